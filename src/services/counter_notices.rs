//! Counter-notices: the source or author of a removed article says the removal was a
//! mistake or the use authorised. The claimant is told at once that the content
//! returns after `COUNTER_NOTICE_WAIT` unless they report legal action (which staff
//! record on the complaint); a deadline step restores it on time and everyone is told.

use crate::services::error::{Conflict, ServiceError, ServiceResult};
use crate::services::evidence::{self, EvidenceFile, SentWith};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::config::Config;
use crate::db;
use crate::domain::complaint::{CounterNoticeState, Language};
use crate::domain::deadline::{restore_step, round};
use crate::domain::display_time::display;
use crate::domain::holds::{HoldKind, Release};
use crate::domain::validate::FieldErrors;
use crate::domain::validate::{Checker, EmailAddress, Problem, format_timestamp, truncate_micros};
use crate::entities::{article, complaint, counter_notice};
use crate::mail::letter::Recipient;
use crate::mail::letters::{
    CounterNoticeAck, CounterNoticeForward, LegalActionNotice, LegalActionReported, Restored,
};
use crate::mail::notice::{Occasion, Owed};
use crate::mail::outbox;
use crate::services::holds;
use crate::services::site::{self, Site};
use crate::services::steps;

/// A counter-notice as sent, every field optional so each missing one can be named.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CounterNoticeInput {
    /// The removed article's id (from the 451 page or the removal email).
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::domain::validate::opt_whole")]
    pub article_id: Option<i64>,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub address: Option<String>,
    #[schema(required = true)]
    pub phone: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    /// The URL that was removed.
    #[schema(required = true)]
    pub removed_url: Option<String>,
    /// Why the removal was a mistake or the use is authorised.
    #[schema(required = true)]
    pub statement: Option<String>,
    /// Supporting evidence, e.g. the licence and where it can be seen.
    pub evidence: Option<String>,
    /// Consent to the jurisdiction of the courts where the site is run.
    #[schema(required = true)]
    pub consent_jurisdiction: Option<bool>,
    /// The full name, as signature.
    #[schema(required = true)]
    pub signature: Option<String>,
}

/// A checked counter-notice.
#[derive(Debug, Clone)]
pub struct NewCounterNotice {
    pub article_id: i64,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: EmailAddress,
    pub removed_url: String,
    pub statement: String,
    pub evidence: Option<String>,
    pub signature: String,
}

impl CounterNoticeInput {
    pub fn check(&self) -> Result<NewCounterNotice, FieldErrors> {
        let mut c = Checker::default();
        if self.article_id.is_none() {
            c.fail("article_id", "is required: the id of the removed article");
        }
        let name = c.line("name", self.name.as_ref(), 200);
        let address = c.text("address", self.address.as_ref());
        let phone = c.line("phone", self.phone.as_ref(), 50);
        let email = match self.email.as_deref().map(EmailAddress::parse) {
            None => {
                c.fail("email", "is required");
                None
            }
            Some(Err(e)) => {
                c.fail_as("email", Problem::Email, e);
                None
            }
            Some(Ok(e)) => Some(e),
        };
        let removed_url = c.line("removed_url", self.removed_url.as_ref(), 2000);
        let statement = c.text("statement", self.statement.as_ref());
        let evidence = c.opt_text("evidence", self.evidence.as_ref());
        if self.consent_jurisdiction != Some(true) {
            c.fail_as(
                "consent_jurisdiction",
                Problem::Statement,
                "must be true: you consent to the jurisdiction of the courts",
            );
        }
        let signature = c.line("signature", self.signature.as_ref(), 200);
        for (field, v, max) in [
            ("address", &address, 1000),
            ("statement", &statement, 20_000),
        ] {
            if v.chars().count() > max {
                let m = format!("longer than {max} characters");
                c.fail_as(field, Problem::TooLong(max), m);
            }
        }
        if evidence
            .as_ref()
            .is_some_and(|e| e.chars().count() > 20_000)
        {
            let m = "longer than 20000 characters";
            c.fail_as("evidence", Problem::TooLong(20_000), m);
        }
        c.finish()?;
        let (Some(article_id), Some(email)) = (self.article_id, email) else {
            return Err(FieldErrors::new());
        };
        Ok(NewCounterNotice {
            article_id,
            name,
            address,
            phone,
            email,
            removed_url,
            statement,
            evidence,
            signature,
        })
    }
}

/// A counter-notice as shown back to its sender.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CounterNoticeView {
    pub id: i64,
    pub article_id: i64,
    pub complaint_id: i64,
    pub state: String,
    pub received_at: String,
    /// When the content returns unless the claimant reports legal action.
    pub restore_at: String,
}

impl From<&counter_notice::Model> for CounterNoticeView {
    fn from(n: &counter_notice::Model) -> Self {
        Self {
            id: n.id,
            article_id: n.article_id,
            complaint_id: n.complaint_id,
            state: n.state.as_str().to_string(),
            received_at: format_timestamp(n.received_at),
            restore_at: format_timestamp(n.restore_at),
        }
    }
}

#[derive(Debug)]
pub enum Filed {
    Created(Box<counter_notice::Model>),
    ArticleNotFound,
    UrlMismatch(String),
}

/// A removed article and the complaint whose hold a counter-notice answers: the newest
/// upheld hold, else the newest provisional one.
pub async fn removal_of(
    db: &impl ConnectionTrait,
    article_id: i64,
) -> ServiceResult<Option<(article::Model, complaint::Model)>> {
    let Some(a) = article::Entity::find_by_id(article_id).one(db).await? else {
        return Ok(None);
    };
    let standing = holds::standing(db, a.id).await?;
    let answered = standing
        .iter()
        .rev()
        .find(|h| h.kind == HoldKind::Upheld)
        .or_else(|| standing.iter().rev().find(|h| h.complaint_id.is_some()));
    let Some(complaint_id) = answered.and_then(|h| h.complaint_id) else {
        return Ok(None);
    };
    let c = complaint::Entity::find_by_id(complaint_id).one(db).await?;
    Ok(c.map(|c| (a, c)))
}

/// Records a counter-notice, schedules the restoration and forwards it to the claimant.
pub async fn file(
    db: &DatabaseConnection,
    config: &Config,
    site: &Site<'_>,
    new: &NewCounterNotice,
    files: &[EvidenceFile],
    now: OffsetDateTime,
) -> ServiceResult<Filed> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    if article::Entity::find_by_id(new.article_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(Filed::ArticleNotFound);
    }
    let Some((a, c)) = removal_of(&txn, new.article_id).await? else {
        return Err(Conflict::NotRemoved.into());
    };
    if new.removed_url.trim() != a.url {
        return Ok(Filed::UrlMismatch(a.url));
    }
    let waiting = counter_notice::Entity::find()
        .filter(counter_notice::Column::ArticleId.eq(a.id))
        .filter(counter_notice::Column::State.eq(CounterNoticeState::Waiting))
        .one(&txn)
        .await?;
    if waiting.is_some() {
        return Err(Conflict::CounterNoticePending.into());
    }
    let restore_at = truncate_micros(config.calendar().after(now, &config.counter_notice_wait));
    let n = counter_notice::ActiveModel {
        complaint_id: Set(c.id),
        article_id: Set(a.id),
        name: Set(new.name.clone()),
        address: Set(new.address.clone()),
        phone: Set(new.phone.clone()),
        email: Set(new.email.as_str().to_string()),
        removed_url: Set(a.url.clone()),
        statement: Set(new.statement.clone()),
        evidence: Set(new.evidence.clone()),
        consent_jurisdiction: Set(true),
        signature: Set(new.signature.clone()),
        received_at: Set(now),
        restore_at: Set(restore_at),
        state: Set(CounterNoticeState::Waiting),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let round = round(c.appealed_at.is_some());
    steps::insert(&txn, c.id, [restore_step(round, n.id, restore_at)]).await?;
    let evidence = evidence::record_later(&txn, c.id, SentWith::CounterNotice(n.id), files).await?;
    audit::append(
        &txn,
        now,
        "counter_notifier",
        "counter_notice.received",
        &format!("complaint:{}", c.id),
        &json!({"counter_notice_id": n.id, "article_id": a.id, "restore_at": format_timestamp(restore_at), "evidence_sha256": evidence}),
    )
    .await?;
    tell_both(&txn, site, &c, &n, &new.email, round, now).await?;
    txn.commit().await?;
    Ok(Filed::Created(Box::new(n)))
}

/// The claimant gets the counter-notice; the counter-notifier, its acknowledgement.
#[allow(clippy::too_many_arguments)]
async fn tell_both(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    n: &counter_notice::Model,
    notifier: &EmailAddress,
    round: i32,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let when = display(n.restore_at);
    let owed = Owed::on(c.id, round, Occasion::CounterNotice(n.id));
    let url = site.status_url(c)?;
    let forward = CounterNoticeForward {
        id: c.id,
        n,
        restore_at: &when,
        status_url: &url,
    };
    let to = site::claimant(c);
    outbox::post(txn, &owed, &forward, &to, &site.signer, now).await?;
    let ack = CounterNoticeAck {
        n,
        restore_at: &when,
    };
    let to = [Recipient::new(notifier.clone(), notifier_language(n))];
    outbox::post(txn, &owed, &ack, &to, &site.signer, now).await?;
    Ok(())
}

/// A counter-notifier hears in the language they wrote their statement in.
fn notifier_language(n: &counter_notice::Model) -> Language {
    Language::of_text(&format!("{}{}", n.name, n.statement))
}

/// The restoration step of counter-notice `id` fell due: restore its article unless
/// legal action was reported. Returns whether an article was restored.
pub async fn restore_due(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    id: i64,
    now: OffsetDateTime,
) -> ServiceResult<bool> {
    let Some(n) = counter_notice::Entity::find_by_id(id).one(txn).await? else {
        return Ok(false);
    };
    if n.state != CounterNoticeState::Waiting || c.legal_action_at.is_some() {
        return Ok(false);
    }
    let Some(a) = article::Entity::find_by_id(n.article_id).one(txn).await? else {
        return Ok(false);
    };
    // Releases the hold it answers; the article returns only if nothing else holds it.
    let moved = holds::release(
        txn,
        site,
        &a,
        c.id,
        Release::CounterNotice,
        "scheduler",
        now,
    )
    .await?;
    let restored = moved.came_back();
    let mut am: counter_notice::ActiveModel = n.clone().into();
    am.state = Set(CounterNoticeState::Restored);
    am.done_at = Set(Some(now));
    am.update(txn).await?;
    audit::append(
        txn,
        now,
        "scheduler",
        "counter_notice.restored",
        &format!("complaint:{}", c.id),
        &json!({"counter_notice_id": n.id, "article_id": a.id, "article_restored": restored}),
    )
    .await?;
    let letter = Restored {
        url: &a.url,
        id: c.id,
        counter_notice_id: n.id,
        still_held: !restored,
    };
    // Everyone concerned, each in their own language.
    let mut to = site::claimant(c);
    if let Ok(notifier) = EmailAddress::parse(&n.email) {
        to.push(Recipient::new(notifier, notifier_language(&n)));
    }
    to.extend(site.desk());
    let round = round(c.appealed_at.is_some());
    let owed = Owed::on(c.id, round, Occasion::CounterNotice(n.id));
    outbox::post(txn, &owed, &letter, &to, &site.signer, now).await?;
    Ok(restored)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalAction {
    /// Counter-notices whose restoration was stopped.
    pub counter_notices: u64,
}

/// Staff record that the claimant reported legal action: waiting restorations stop.
pub async fn record_legal_action(
    db: &DatabaseConnection,
    site: &Site<'_>,
    complaint_id: i64,
    note: &str,
    actor: &str,
    now: OffsetDateTime,
) -> ServiceResult<LegalAction> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = complaint::Entity::find_by_id(complaint_id)
        .one(&txn)
        .await?
    else {
        return Err(ServiceError::NotFound);
    };
    if c.legal_action_at.is_some() {
        return Err(Conflict::LegalActionRecorded.into());
    }
    let mut am: complaint::ActiveModel = c.clone().into();
    am.legal_action_at = Set(Some(now));
    am.legal_action_note = Set(Some(note.to_string()));
    am.update(&txn).await?;
    let waiting = counter_notice::Entity::find()
        .filter(counter_notice::Column::ComplaintId.eq(c.id))
        .filter(counter_notice::Column::State.eq(CounterNoticeState::Waiting))
        .all(&txn)
        .await?;
    for n in &waiting {
        let mut am: counter_notice::ActiveModel = n.clone().into();
        am.state = Set(CounterNoticeState::LegalAction);
        am.done_at = Set(Some(now));
        am.update(&txn).await?;
        steps::cancel_restore(&txn, c.id, n.id, "the claimant reported legal action", now).await?;
        if let Ok(to) = EmailAddress::parse(&n.email) {
            let round = round(c.appealed_at.is_some());
            let owed = Owed::on(c.id, round, Occasion::CounterNotice(n.id));
            let letter = LegalActionNotice { n, id: c.id };
            let to = [Recipient::new(to, notifier_language(n))];
            outbox::post(&txn, &owed, &letter, &to, &site.signer, now).await?;
        }
    }
    audit::append(
        &txn,
        now,
        actor,
        "complaint.legal_action_recorded",
        &format!("complaint:{}", c.id),
        &json!({"note": note, "counter_notices_stopped": waiting.iter().map(|n| n.id).collect::<Vec<_>>()}),
    )
    .await?;
    txn.commit().await?;
    Ok(LegalAction {
        counter_notices: waiting.len() as u64,
    })
}

/// The claimant reports, from their status page, that they have taken legal action
/// against a waiting counter-notice. Nothing stops yet: the desk is asked to confirm it
/// (`record_legal_action`) before the content returns.
pub async fn report_legal_action(
    db: &DatabaseConnection,
    site: &Site<'_>,
    tracking_code: &str,
    reference: &str,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = crate::services::complaints::row_by_code(&txn, tracking_code).await? else {
        return Err(ServiceError::NotFound);
    };
    if c.legal_action_at.is_some() {
        return Err(Conflict::LegalActionRecorded.into());
    }
    if c.legal_action_reported_at.is_some() {
        return Err(Conflict::LegalActionReported.into());
    }
    let Some(first) = counter_notice::Entity::find()
        .filter(counter_notice::Column::ComplaintId.eq(c.id))
        .filter(counter_notice::Column::State.eq(CounterNoticeState::Waiting))
        .order_by_asc(counter_notice::Column::RestoreAt)
        .one(&txn)
        .await?
    else {
        return Err(Conflict::NoCounterNoticeWaiting.into());
    };
    let mut am: complaint::ActiveModel = c.clone().into();
    am.legal_action_reported_at = Set(Some(now));
    am.legal_action_reported = Set(Some(reference.to_string()));
    am.update(&txn).await?;
    audit::append(
        &txn,
        now,
        "claimant",
        "complaint.legal_action_reported",
        &format!("complaint:{}", c.id),
        &json!({"reference": reference, "counter_notice_id": first.id}),
    )
    .await?;
    let restore_at = display(first.restore_at);
    let url = site.staff_url(c.id);
    let letter = LegalActionReported {
        id: c.id,
        reference,
        restore_at: &restore_at,
        url: &url,
    };
    let round = round(c.appealed_at.is_some());
    let owed = Owed::on(c.id, round, Occasion::CounterNotice(first.id));
    let to = site.desk_and_reviewer(c.assigned_reviewer.as_deref());
    outbox::post(&txn, &owed, &letter, &to, &site.signer, now).await?;
    txn.commit().await?;
    Ok(())
}

/// The counter-notices filed against a complaint's removals, oldest first.
pub async fn for_complaint(
    db: &impl ConnectionTrait,
    complaint_id: i64,
) -> Result<Vec<counter_notice::Model>, DbErr> {
    counter_notice::Entity::find()
        .filter(counter_notice::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(counter_notice::Column::Id)
        .all(db)
        .await
}

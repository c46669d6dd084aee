//! A new notice by email becomes a complaint (`channel: email`) on the same clock as
//! the form's: received when our system received it, matched against the registry,
//! its attachments kept as evidence. The element checker lists what free-form mail
//! lacks, for staff to ask for or fill in. The acknowledgement is the receipt,
//! threaded under the notice (`Re:` its subject, `In-Reply-To` its Message-ID), in
//! the sender's language; nobody is acknowledged who would answer it by machine.

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use sea_orm::{PaginatorTrait, Value};
use time::OffsetDateTime;

use crate::config::Config;
use crate::db::stmt;
use crate::domain::complaint::NewComplaint;
use crate::domain::email_notice::{self, Letter};
use crate::domain::validate::HttpUrl;
use crate::entities::inbound_message;
use crate::mail::inbound::{self, Read};
use crate::services::complaints::{self, Channel, Filed, Filing, IntakePolicy};
use crate::services::error::ServiceResult;
use crate::services::evidence::{EvidenceFile, MAX_FILES, Upload};
use crate::services::matching::{Match, MatchIndex};
use crate::services::site_hosts::SiteHosts;
use crate::services::tracking_codes::CodeKey;

/// What receiving a new notice needs beyond the database.
pub struct Intake<'a> {
    pub policy: IntakePolicy<'a>,
    pub index: &'a MatchIndex,
    pub site_hosts: &'a SiteHosts,
    /// `MAIL_AUTHSERV_ID`: whose DMARC results confirm a sender.
    pub authserv_id: Option<&'a str>,
    /// Our own addresses (lower case): mail from them is never answered.
    pub own: Vec<String>,
    pub sender_limit: u32,
}

impl<'a> Intake<'a> {
    pub fn of(
        config: &'a Config,
        codes: &'a CodeKey,
        index: &'a MatchIndex,
        site_hosts: &'a SiteHosts,
    ) -> Self {
        let own = [
            Some(&config.mail_from),
            config.mail_bounce_address.as_ref(),
            config.site_contact.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|a| a.as_str().to_ascii_lowercase())
        .collect();
        Self {
            policy: IntakePolicy::of(config, codes),
            index,
            site_hosts,
            authserv_id: config.mail_authserv_id.as_deref(),
            own,
            sender_limit: config.mail_sender_limit,
        }
    }
}

/// A new notice read, checked and matched before the write transaction.
pub struct Prepared {
    pub complaint: NewComplaint,
    pub files: Vec<EvidenceFile>,
    pub matches: Vec<Match>,
    /// The DMARC pass that confirms the sender, as recorded.
    pub dmarc: Option<String>,
    /// Attachments not kept as evidence, and why.
    pub refused: Vec<String>,
}

/// Why a message that is not a reply does not open a complaint by itself; it is kept
/// for a person (`/staff/inbox`).
pub fn not_a_notice(read: &Read) -> Option<&'static str> {
    if read.no_reply {
        return Some("sent by a machine in bulk; kept for a person");
    }
    if read.from.is_none() {
        return Some("no sender address; kept for a person");
    }
    None
}

/// Reads `read` as a notice: its URLs on this site are the targets, others the
/// original and evidence, its attachments staged as evidence files, and its text
/// matched against the registry. None when it names no page on this site: that is no
/// notice (RDRIN Art. 14 and 17 USC 512(c)(3) both need the location), and a person
/// reads it.
pub async fn prepare(
    db: &DatabaseConnection,
    intake: &Intake<'_>,
    data_dir: &std::path::Path,
    read: &Read,
) -> ServiceResult<Option<Prepared>> {
    let Some(from) = read.from.as_deref() else {
        return Ok(None);
    };
    let text = read.body.clone().unwrap_or_default();
    let subject = read.subject.as_deref();
    let with_subject = format!("{}\n{text}", subject.unwrap_or(""));
    let urls: Vec<HttpUrl> = email_notice::urls_in(&with_subject)
        .iter()
        .filter_map(|u| HttpUrl::parse(u).ok())
        .collect();
    let foreign = intake.site_hosts.foreign(db, &urls).await?;
    let (ours, others): (Vec<&HttpUrl>, Vec<&HttpUrl>) =
        urls.iter().partition(|u| !foreign.contains(u));
    if ours.is_empty() {
        return Ok(None);
    }
    let letter = Letter {
        from,
        from_name: read.from_name.as_deref(),
        subject,
        text: &text,
        ours: ours.iter().map(|u| u.to_string()).collect(),
        others: others.iter().map(|u| u.to_string()).collect(),
    };
    let input = email_notice::input(&letter);
    let Ok(complaint) = NewComplaint::parse_notice(&input) else {
        return Ok(None);
    };
    let (files, refused) = stage(data_dir, read).await?;
    let matches = complaints::find_matches(db, intake.index, &complaint).await?;
    let dmarc = intake
        .authserv_id
        .and_then(|id| inbound::dmarc_pass(read, id));
    Ok(Some(Prepared {
        complaint,
        files,
        matches,
        dmarc,
        refused,
    }))
}

/// Stages a message's attachments as evidence files, with the form's checks by
/// content and size; those refused are named with the reason.
pub(crate) async fn stage(
    data_dir: &std::path::Path,
    read: &Read,
) -> std::io::Result<(Vec<EvidenceFile>, Vec<String>)> {
    let (mut files, mut refused) = (Vec::new(), Vec::new());
    for a in &read.attachments {
        let name = a.name.clone().unwrap_or_else(|| "attachment".into());
        if files.len() == MAX_FILES {
            refused.push(format!("{name}: more than {MAX_FILES} files"));
            continue;
        }
        let mut up = Upload::start(data_dir).await?;
        up.write(&a.bytes).await?;
        match up.finish(a.name.as_deref()).await? {
            Ok(f) => files.push(f),
            Err(why) => refused.push(why),
        }
    }
    Ok((files, refused))
}

/// New notices `from` opened in the hour before `now`.
async fn recent_from(
    txn: &impl ConnectionTrait,
    from: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    inbound_message::Entity::find()
        .filter(inbound_message::Column::FromAddress.eq(from))
        .filter(inbound_message::Column::Outcome.eq("new_complaint"))
        .filter(inbound_message::Column::ReceivedAt.gt(now - time::Duration::HOUR))
        .count(txn)
        .await
}

/// A filed notice: its complaint, its tracking code, and what staff should know.
pub struct Opened {
    pub complaint_id: i64,
    pub tracking_code: String,
    pub detail: String,
}

/// Files `p` inside the receiving transaction, or says why it is only kept.
pub async fn file_in(
    txn: &impl ConnectionTrait,
    intake: &Intake<'_>,
    p: &Prepared,
    read: &Read,
    now: OffsetDateTime,
) -> ServiceResult<Result<Opened, String>> {
    let from = p.complaint.claimant_email.as_str().to_ascii_lowercase();
    if intake.sender_limit > 0
        && recent_from(txn, &from, now).await? >= u64::from(intake.sender_limit)
    {
        return Ok(Err(format!(
            "more than MAIL_SENDER_LIMIT ({}) new notices from this sender in an hour; kept for a person, unanswered",
            intake.sender_limit
        )));
    }
    let verified = p.dmarc.as_ref().map(|d| format!("dmarc:{d}"));
    let acknowledge = !intake.own.contains(&from);
    let filing = Filing {
        complaint: &p.complaint,
        files: &p.files,
        channel: Channel::Email,
        idempotency: None,
        submitter: None,
        client: None,
        verified: verified.as_deref(),
        acknowledge,
    };
    let Filed::Created(view) =
        complaints::submit_in(txn, &intake.policy, &filing, &p.matches, now).await?
    else {
        return Ok(Err("not filed".into()));
    };
    thread_receipt(txn, view.id, read).await?;
    let mut detail = Vec::new();
    if !p.complaint.missing.is_empty() {
        detail.push(format!("missing: {}", p.complaint.missing.join(", ")));
    }
    if let Some(d) = &p.dmarc {
        detail.push(format!("sender confirmed by {d}"));
    }
    for r in &p.refused {
        detail.push(format!("attachment not kept: {r}"));
    }
    if !acknowledge {
        detail.push("from one of our own addresses: not acknowledged".into());
    }
    Ok(Ok(Opened {
        complaint_id: view.id,
        tracking_code: view.tracking_code,
        detail: detail.join("; "),
    }))
}

/// Makes the receipt of complaint `id` a reply to the notice: `Re:` and the notice's
/// subject, and its Message-ID to thread under.
async fn thread_receipt(txn: &impl ConnectionTrait, id: i64, read: &Read) -> Result<(), DbErr> {
    let parent = read.message_id.as_ref().map(|m| format!("<{m}>"));
    let subject = read
        .subject
        .as_deref()
        .map(|s| crate::domain::validate::line(s, 300).unwrap_or_default())
        .filter(|s| !s.trim().is_empty())
        .map(|s| format!("Re: {}", email_notice::bare_subject(&s)));
    let backend = txn.get_database_backend();
    txn.execute_raw(stmt(
        backend,
        "UPDATE outbox SET in_reply_to = ?, subject = COALESCE(?, subject) \
         WHERE complaint_id = ? AND kind = 'receipt'",
        vec![Value::from(parent), Value::from(subject), Value::from(id)],
    ))
    .await?;
    Ok(())
}

/// What staff read off the email into the notice's fields; empty fields stay missing.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct NoticeFields {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    /// `owner`, `agent`, or empty while unknown.
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub on_behalf_of: String,
    #[serde(default)]
    pub work_title: String,
    #[serde(default)]
    pub work_original_url: String,
    #[serde(default)]
    pub signature: String,
    /// The email makes the good-faith statement (a checkbox: present when ticked).
    #[serde(default)]
    pub good_faith: Option<String>,
    #[serde(default)]
    pub accurate: Option<String>,
}

/// Problems that are only absence: the element stays missing, nothing is refused.
fn only_missing(p: &crate::domain::validate::Problem) -> bool {
    use crate::domain::validate::Problem;
    matches!(
        p,
        Problem::Required
            | Problem::Blank
            | Problem::Statement
            | Problem::NoTarget
            | Problem::AgentPrincipal
    )
}

/// Fills a notice's structured fields from what staff read in the email. A value
/// given in the wrong shape is refused, naming its field, and nothing changes; what
/// is left empty stays on the list of what is missing. Returns that list.
pub async fn complete(
    db: &DatabaseConnection,
    id: i64,
    f: &NoticeFields,
    by: &crate::services::staff::StaffMember,
    now: OffsetDateTime,
) -> ServiceResult<Vec<String>> {
    use crate::domain::complaint::{ClaimantInput, ComplaintInput, StatementsInput, WorkInput};
    use crate::entities::complaint;
    use crate::services::error::{Conflict, ServiceError};
    use sea_orm::{ActiveModelTrait, Set};
    let now = crate::domain::validate::truncate_micros(now);
    let txn = crate::db::begin_write(db).await?;
    let c = complaint::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !c.status.is_open() {
        return Err(Conflict::AlreadyDecided.into());
    }
    let given = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let targets = complaints::targets_of(&txn, id).await?;
    let input = ComplaintInput {
        claimant: Some(ClaimantInput {
            name: given(&f.name),
            organisation: given(&f.organisation),
            email: Some(c.claimant_email.clone()),
            phone: given(&f.phone),
            address: given(&f.address),
            capacity: given(&f.capacity),
            on_behalf_of: given(&f.on_behalf_of),
        }),
        work: Some(WorkInput {
            title: given(&f.work_title),
            description: Some(c.work_description.clone()).filter(|d| !d.trim().is_empty()),
            original_url: given(&f.work_original_url),
            original_text: c.work_original_text.clone(),
        }),
        infringing_urls: Some(targets.into_iter().map(|t| t.url).collect()),
        evidence_urls: None,
        statements: Some(StatementsInput {
            good_faith: Some(f.good_faith.is_some()),
            accurate: Some(f.accurate.is_some()),
        }),
        signature: given(&f.signature),
        language: Some(c.language.as_str().to_string()),
        callback: None,
    };
    let (new, errors) = NewComplaint::check_notice(&input);
    let refused: crate::domain::validate::FieldErrors = errors
        .iter()
        .filter(|(_, e)| !only_missing(&e.problem))
        .map(|(k, e)| (k.clone(), e.clone()))
        .collect();
    let Some(new) = new.filter(|_| refused.is_empty()) else {
        return Err(ServiceError::Invalid(refused));
    };
    let missing = new.missing.clone();
    let mut am: complaint::ActiveModel = c.clone().into();
    am.claimant_name = Set(new.claimant_name.clone());
    am.claimant_organisation = Set(new.claimant_organisation.clone());
    am.claimant_phone = Set(new.claimant_phone.clone());
    am.claimant_address = Set(new.claimant_address.clone());
    am.capacity = Set(new
        .capacity
        .map_or(String::new(), |c| c.as_str().to_string()));
    am.on_behalf_of = Set(new.on_behalf_of.clone());
    am.work_title = Set(new.work_title.clone());
    am.work_original_url = Set(new
        .work_original_url
        .as_ref()
        .map_or(String::new(), |u| u.to_string()));
    am.signature = Set(new.signature.clone());
    am.good_faith = Set(new.good_faith);
    am.accurate = Set(new.accurate);
    am.missing_elements =
        Set((!missing.is_empty()).then(|| serde_json::to_string(&missing).unwrap_or_default()));
    am.update(&txn).await?;
    let before: Vec<String> = c
        .missing_elements
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default();
    let filled: Vec<&String> = before.iter().filter(|b| !missing.contains(b)).collect();
    crate::audit::append(
        &txn,
        now,
        &by.actor(),
        "complaint.notice_completed",
        &format!("complaint:{id}"),
        &serde_json::json!({"filled": filled, "missing": missing}),
    )
    .await?;
    txn.commit().await?;
    Ok(missing)
}

//! Saved replies: statements of reasons (and questions) an admin keeps in Chinese and
//! English, for reviewers to start from in the decision form and edit before sending.
//! Each save and each deletion is audited with the texts' hashes.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::Language;
use crate::domain::validate::{FieldError, FieldErrors, Problem, free_text, truncate_micros};
use crate::entities::reply_template;
use crate::services::decisions::MAX_REASON_CHARS;
use crate::services::error::{ServiceError, ServiceResult};
use crate::services::staff::StaffMember;

/// The decisions a saved reply can be written for, with their names on the page.
pub const ACTIONS: [(&str, &str); 3] = [
    ("uphold", "Uphold"),
    ("reject", "Reject"),
    ("request_info", "Request information"),
];

/// A saved reply as an admin typed it.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub name: String,
    pub action: String,
    pub body_zh: String,
    pub body_en: String,
}

impl reply_template::Model {
    /// The text in the claimant's language.
    pub fn body(&self, lang: Language) -> &str {
        match lang {
            Language::Zh => &self.body_zh,
            Language::En => &self.body_en,
        }
    }
}

/// Every problem with `d`, each as a sentence beside its field.
fn check(d: &Draft) -> Result<Draft, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut put = |k: &str, m: String| {
        e.insert(k.into(), FieldError::new(Problem::Invalid, m));
    };
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.contains('\0') {
        put(
            "name",
            "Give the reply a name of at most 100 characters, such as \"Licence on record\"."
                .into(),
        );
    }
    if !ACTIONS.iter().any(|(a, _)| *a == d.action) {
        put(
            "action",
            "Choose the decision this reply is for: uphold, reject or request information.".into(),
        );
    }
    for (k, text, lang) in [
        ("body_zh", &d.body_zh, "Chinese"),
        ("body_en", &d.body_en, "English"),
    ] {
        if let Err(m) = free_text(text, Some(MAX_REASON_CHARS)) {
            put(
                k,
                format!(
                    "The {lang} text {m}: write it in full, in at most {MAX_REASON_CHARS} characters, so a claimant who reads {lang} gets it."
                ),
            );
        }
    }
    if e.is_empty() {
        Ok(Draft {
            name: name.to_string(),
            action: d.action.clone(),
            body_zh: d.body_zh.trim().to_string(),
            body_en: d.body_en.trim().to_string(),
        })
    } else {
        Err(e)
    }
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<reply_template::Model>, sea_orm::DbErr> {
    reply_template::Entity::find()
        .order_by_asc(reply_template::Column::Action)
        .order_by_asc(reply_template::Column::Name)
        .all(db)
        .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<reply_template::Model>, sea_orm::DbErr> {
    reply_template::Entity::find_by_id(id).one(db).await
}

fn hashes(t: &reply_template::Model) -> serde_json::Value {
    json!({
        "template_id": t.id,
        "name": t.name,
        "action": t.action,
        "zh_sha256": hex::encode(Sha256::digest(t.body_zh.as_bytes())),
        "en_sha256": hex::encode(Sha256::digest(t.body_en.as_bytes())),
    })
}

/// Saves `d` as a new reply, or over reply `id`. A name already used by another reply
/// is refused beside the name.
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i64>,
    d: &Draft,
    by: &StaffMember,
    now: OffsetDateTime,
) -> ServiceResult<reply_template::Model> {
    let d = check(d).map_err(ServiceError::Invalid)?;
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let clash = reply_template::Entity::find()
        .filter(reply_template::Column::Name.eq(d.name.as_str()))
        .one(&txn)
        .await?
        .filter(|t| Some(t.id) != id);
    if clash.is_some() {
        let mut e = FieldErrors::new();
        e.insert(
            "name".into(),
            FieldError::new(
                Problem::Taken,
                format!(
                    "Another saved reply is already called \"{}\": choose another name.",
                    d.name
                ),
            ),
        );
        return Err(ServiceError::Invalid(e));
    }
    let mut am = match id {
        Some(id) => reply_template::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(ServiceError::NotFound)?
            .into(),
        None => <reply_template::ActiveModel as Default>::default(),
    };
    am.name = Set(d.name);
    am.action = Set(d.action);
    am.body_zh = Set(d.body_zh);
    am.body_en = Set(d.body_en);
    am.updated_at = Set(now);
    am.updated_by = Set(by.actor());
    let saved = if id.is_some() {
        am.update(&txn).await?
    } else {
        am.insert(&txn).await?
    };
    let action = if id.is_some() {
        "reply_template.updated"
    } else {
        "reply_template.created"
    };
    let subject = format!("reply_template:{}", saved.id);
    audit::append(&txn, now, &by.actor(), action, &subject, &hashes(&saved)).await?;
    txn.commit().await?;
    Ok(saved)
}

pub async fn delete(
    db: &DatabaseConnection,
    id: i64,
    by: &StaffMember,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let t = reply_template::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    reply_template::Entity::delete_by_id(id).exec(&txn).await?;
    let subject = format!("reply_template:{id}");
    let action = "reply_template.deleted";
    audit::append(&txn, now, &by.actor(), action, &subject, &hashes(&t)).await?;
    txn.commit().await?;
    Ok(())
}

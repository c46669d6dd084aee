use sea_orm::entity::prelude::*;

/// One saved version of a licence's terms; lists are JSON arrays of strings.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "licence_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub licence_id: i64,
    pub revision: i32,
    pub licensor: String,
    pub licensor_contact: Option<String>,
    pub covers_outlets: String,
    pub covers_hosts: String,
    pub starts_at: Option<TimeDateTimeWithTimeZone>,
    pub ends_at: Option<TimeDateTimeWithTimeZone>,
    pub rights: String,
    pub attribution_required: bool,
    pub edits_allowed: bool,
    pub record_sha256: String,
    pub saved_at: TimeDateTimeWithTimeZone,
    pub saved_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

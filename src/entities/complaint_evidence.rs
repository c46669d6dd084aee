use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub complaint_id: i64,
    pub kind: String,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub file_name: Option<String>,
    /// `answer`, `appeal` or `counter_notice`; none for the notice itself.
    pub submitted_with: Option<String>,
    pub counter_notice_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

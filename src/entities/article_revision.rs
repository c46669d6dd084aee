use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "article_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub article_id: i64,
    pub revision: i32,
    pub title: String,
    pub body: String,
    pub editor: String,
    pub republished_at: TimeDateTimeWithTimeZone,
    pub source_outlet: String,
    pub source_url: String,
    pub source_published_at: Option<TimeDateTimeWithTimeZone>,
    pub source_author: Option<String>,
    pub source_body: Option<String>,
    pub licence_reference: String,
    pub licence_expires_at: Option<TimeDateTimeWithTimeZone>,
    pub rights_contact: Option<String>,
    pub raw_sha256: String,
    pub content_sha256: String,
    pub source_sha256: Option<String>,
    pub normalizer_version: i32,
    pub record_sha256: String,
    pub received_at: TimeDateTimeWithTimeZone,
    /// The source's own title, when the CMS sends it.
    pub source_title: Option<String>,
    /// The credit line the page shows beside the body.
    pub byline: Option<String>,
    /// The licence verdict (`LicenceVerdict`), None before it was worked out.
    pub compliance_licence: Option<String>,
    /// The lesser containment of source and published text in each other.
    #[sea_orm(column_type = "Double", nullable)]
    pub source_containment: Option<f64>,
    /// Below `ALTERATION_THRESHOLD` when it was worked out.
    pub compliance_altered: Option<bool>,
    pub compliance_title_changed: Option<bool>,
    pub compliance_attribution: Option<String>,
    pub compliance_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::article::Entity",
        from = "Column::ArticleId",
        to = "super::article::Column::Id"
    )]
    Article,
}

impl Related<super::article::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Article.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! Saved replies at `/staff/templates`: every reviewer reads them (and picks one in the
//! decision form); admins add, edit and delete them. A refused save comes back with
//! each problem beside its field.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::display_time::display;
use crate::domain::validate::{FieldError, FieldErrors, Problem};
use crate::entities::reply_template;
use crate::error::{AppError, AppResult};
use crate::services::error::ServiceError;
use crate::services::reply_templates::{self, ACTIONS, Draft};
use crate::services::staff::Role;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/templates", get(list).post(save))
        .at("/staff/templates/{id}/delete", post(delete))
        .layer(middleware::from_fn(staff_headers))
}

/// The add-or-edit form as typed, with its problems.
#[derive(Default)]
struct Editing {
    /// The reply being edited; None adds one.
    id: Option<i64>,
    draft: Draft,
    errors: FieldErrors,
}

/// The form's fields, top to bottom.
const FIELD_ORDER: [&str; 4] = ["name", "action", "body_zh", "body_en"];

impl Editing {
    /// The problems in the desk's language: the service's sentences in English, and
    /// in Chinese a sentence chosen by the field and the problem's kind.
    fn shown(&self, tr: &Desk) -> Vec<(&'static str, String)> {
        FIELD_ORDER
            .iter()
            .filter_map(|f| self.errors.get(*f).map(|e| (*f, problem(tr, f, e))))
            .collect()
    }
}

fn problem(tr: &Desk, field: &str, e: &FieldError) -> String {
    if !tr.zh() {
        return e.message.clone();
    }
    match (field, e.problem) {
        ("name", Problem::Taken) => {
            tr.s("Another saved reply already has this name: choose another.")
        }
        ("name", _) => tr.s("Give the reply a name of at most 100 characters."),
        ("action", _) => {
            tr.s("Choose the decision this reply is for: uphold, reject or request information.")
        }
        ("body_zh", _) => tr.s("Write the Chinese text in full, in at most 5000 characters."),
        _ => tr.s("Write the English text in full, in at most 5000 characters."),
    }
    .to_string()
}

struct Row {
    t: reply_template::Model,
    updated: String,
    updated_by: String,
}

#[derive(Template)]
#[template(path = "pages/staff_templates.html")]
struct TemplatesPage<'a> {
    t: &'a Texts,
    tr: Desk,
    csrf: &'a str,
    admin: bool,
    rows: Vec<Row>,
    actions: Vec<(&'static str, &'static str)>,
    editing: Editing,
    /// Each bad field and its sentence, in the form's order.
    problems: Vec<(&'static str, String)>,
}

impl TemplatesPage<'_> {
    fn e(&self, name: &str) -> &str {
        self.problems
            .iter()
            .find(|(f, _)| *f == name)
            .map_or("", |(_, m)| m.as_str())
    }

    fn bad(&self, name: &str) -> bool {
        self.problems.iter().any(|(f, _)| *f == name)
    }
}

async fn show(
    state: &AppState,
    user: &StaffUser,
    editing: Editing,
    status: StatusCode,
) -> AppResult<Response> {
    let staff = crate::services::archive::staff_names(&state.db).await?;
    let rows = reply_templates::list(&state.db)
        .await?
        .into_iter()
        .map(|t| Row {
            updated: display(t.updated_at),
            updated_by: staff.get(&t.updated_by).unwrap_or(&t.updated_by).clone(),
            t,
        })
        .collect();
    let tr = desk::current();
    let page = TemplatesPage {
        t: texts(tr.lang),
        csrf: &user.0.csrf_token,
        admin: user.0.member.role == Role::Admin,
        rows,
        actions: ACTIONS.iter().map(|(v, label)| (*v, tr.s(label))).collect(),
        problems: editing.shown(&tr),
        editing,
        tr,
    };
    Ok(render(status, &page))
}

#[derive(Deserialize, Default)]
struct EditQuery {
    edit: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    user: StaffUser,
    q: Result<axum::extract::Query<EditQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let edit = q
        .ok()
        .and_then(|q| q.0.edit)
        .and_then(|e| e.parse::<i64>().ok());
    let editing = match edit {
        Some(id) if user.0.member.role == Role::Admin => {
            let t = reply_templates::get(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?;
            Editing {
                id: Some(t.id),
                draft: Draft {
                    name: t.name,
                    action: t.action,
                    body_zh: t.body_zh,
                    body_en: t.body_en,
                },
                errors: FieldErrors::new(),
            }
        }
        _ => Editing::default(),
    };
    show(&state, &user, editing, StatusCode::OK).await
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    body_zh: String,
    #[serde(default)]
    body_en: String,
}

fn admin(user: &StaffUser) -> AppResult<()> {
    if user.0.member.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn save(
    State(state): State<AppState>,
    user: StaffUser,
    Form(f): Form<SaveForm>,
) -> AppResult<Response> {
    user.check_csrf(&f.csrf)?;
    admin(&user)?;
    let id = match f.id.trim() {
        "" => None,
        n => Some(n.parse::<i64>().map_err(|_| AppError::NotFound)?),
    };
    let draft = Draft {
        name: f.name,
        action: f.action,
        body_zh: f.body_zh,
        body_en: f.body_en,
    };
    let now = OffsetDateTime::now_utc();
    match reply_templates::save(&state.db, id, &draft, &user.0.member, now).await {
        Ok(_) => Ok(Redirect::to("/staff/templates").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let editing = Editing { id, draft, errors };
            show(&state, &user, editing, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf: String,
}

async fn delete(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(f): Form<DeleteForm>,
) -> AppResult<Response> {
    user.check_csrf(&f.csrf)?;
    admin(&user)?;
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    reply_templates::delete(&state.db, id, &user.0.member, OffsetDateTime::now_utc()).await?;
    Ok(Redirect::to("/staff/templates").into_response())
}

//! Contacts: CRUD, prefix search with cursor pages, tag filter, CSV import and export.

use std::collections::{BTreeMap, BTreeSet};

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiRequest, ApiResponse, OpenApi};
use tucan_model::contact::{
    Contact, ContactPage, ContactPatch, ImportReport, NewContact, check_custom_fields,
};
use tucan_model::phone::normalize_phone;
use tucan_model::user::{Role, normalize_email};
use tucan_model::{ErrorCode, Problem, required_text};
use tucan_store::{ContactFields, ContactQuery};

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope, TenantCtx};
use crate::csv_io;
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

#[derive(ApiRequest)]
pub enum CsvUpload {
    /// CSV with a header row: `name`, `phone` (required), `email`, `tags` (tag names separated
    /// by `;`); every other column becomes a custom field.
    #[oai(content_type = "text/csv")]
    Csv(PlainText<String>),
    /// An Excel workbook (XLSX): its first sheet, read like the CSV (first row the header).
    #[oai(content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx(poem_openapi::payload::Binary<Vec<u8>>),
}

impl CsvUpload {
    /// The upload as a table.
    pub fn sheet(self) -> crate::error::ApiResult<csv_io::Sheet> {
        match self {
            CsvUpload::Csv(text) => csv_io::Sheet::from_csv(&text.0),
            CsvUpload::Xlsx(bytes) => crate::xlsx_io::read_sheet(&bytes.0),
        }
    }
}

#[derive(ApiResponse)]
pub enum CsvDownload {
    /// All contacts as CSV.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

pub struct ContactsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/contacts", tag = "ApiTags::Contacts")]
impl ContactsApi {
    /// List contacts, newest last, optionally matching `search` (prefixes of name words, phone
    /// digits or email), carrying `tag` and in the wallet of `owner_id`.
    #[oai(path = "/", method = "get")]
    async fn list_contacts(
        &self,
        auth: Auth,
        search: Query<Option<String>>,
        tag: Query<Option<String>>,
        owner_id: Query<Option<String>>,
        cursor: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "500"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<ContactPage>, { AUTHED | BAD_REQUEST }> {
        let ctx = auth.tenant(&self.state, Scope::ContactsRead).await?;
        let q = ContactQuery {
            search: search.0,
            tag: tag.0,
            owner_id: owner_id.0,
            cursor: cursor.0,
            limit: limit.0,
        };
        Ok(Json(ctx.db.list_contacts(&q).await?))
    }

    /// Create a contact. The phone is stored in E.164.
    #[oai(path = "/", method = "post")]
    async fn create_contact(
        &self,
        auth: Auth,
        body: Json<NewContact>,
    ) -> Reply<Created<Contact>, { AUTHED | BODY | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::ContactsWrite).await?;
        let new = body.0;
        let fields = ContactFields {
            name: required_text("name", &new.name, 200)?,
            phone: normalize_phone(&new.phone, &ctx.tenant.country)?,
            email: new.email.as_deref().map(normalize_email).transpose()?,
            custom_fields: new.custom_fields,
            tags: new.tags,
            is_group: false,
            owner_id: new.owner_id.filter(|o| !o.is_empty()),
            queue_id: new.queue_id.filter(|q| !q.is_empty()),
        };
        check_custom_fields(&fields.custom_fields)?;
        check_wallet_owner(&ctx, None, fields.owner_id.as_deref())?;
        let contact = ctx.db.create_contact(&fields).await?;
        self.state
            .inbox
            .announce_contact(&ctx.db, &contact, true)
            .await;
        Ok(Created::Created(Json(contact)))
    }

    /// Import contacts from CSV (supervisors and admins). Rows whose phone matches an existing contact update it;
    /// bad rows are reported by line and skipped.
    #[oai(path = "/import", method = "post")]
    async fn import_contacts(
        &self,
        auth: Auth,
        body: CsvUpload,
    ) -> Reply<Json<ImportReport>, { AUTHED | BODY }> {
        let ctx = auth.tenant(&self.state, Scope::ContactsWrite).await?;
        ctx.require(Role::Supervisor)?;
        Ok(Json(csv_io::import(&ctx, body.sheet()?, None).await?))
    }

    /// Export every contact as CSV (the same columns the import reads).
    #[oai(path = "/export", method = "get")]
    async fn export_contacts(&self, auth: Auth) -> Reply<CsvDownload, { AUTHED }> {
        let ctx = auth.tenant(&self.state, Scope::ContactsRead).await?;
        ctx.require(Role::Supervisor)?;
        Ok(CsvDownload::Csv(PlainText(csv_io::export(&ctx).await?)))
    }

    /// Get a contact.
    #[oai(path = "/:id", method = "get")]
    async fn get_contact(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Contact>, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::ContactsRead).await?;
        Ok(Json(ctx.db.get_contact(&id).await?))
    }

    /// Change a contact. `custom_fields` and `tags`, when given, replace the old ones; an
    /// empty `email` removes it.
    #[oai(path = "/:id", method = "patch")]
    async fn update_contact(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<ContactPatch>,
    ) -> Reply<Json<Contact>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = auth.tenant(&self.state, Scope::ContactsWrite).await?;
        let mut fields: ContactFields = ctx.db.get_contact(&id).await?.into();
        let opted_out = body.0.opted_out;
        apply_patch(&ctx, &mut fields, body.0)?;
        if let Some(o) = opted_out {
            ctx.db.set_opted_out(&id, o).await?;
        }
        let contact = ctx.db.save_contact(&id, &fields).await?;
        self.state
            .inbox
            .announce_contact(&ctx.db, &contact, false)
            .await;
        Ok(Json(contact))
    }

    /// Delete a contact (supervisors and admins).
    #[oai(path = "/:id", method = "delete")]
    async fn delete_contact(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = auth.tenant(&self.state, Scope::ContactsWrite).await?;
        ctx.require(Role::Supervisor)?;
        ctx.db.delete_contact(&id).await?;
        Ok(Deleted::NoContent)
    }
}

fn default_limit() -> u32 {
    50
}

fn apply_patch(ctx: &TenantCtx, fields: &mut ContactFields, patch: ContactPatch) -> ApiResult<()> {
    if let Some(name) = patch.name {
        fields.name = required_text("name", &name, 200)?;
    }
    if let Some(phone) = patch.phone {
        if fields.is_group {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "a group chat's id is WhatsApp's: it cannot be changed",
            ));
        }
        fields.phone = normalize_phone(&phone, &ctx.tenant.country)?;
    }
    if let Some(email) = patch.email {
        fields.email = if email.trim().is_empty() {
            None
        } else {
            Some(normalize_email(&email)?)
        };
    }
    if let Some(custom) = patch.custom_fields {
        check_custom_fields(&custom)?;
        fields.custom_fields = custom;
    }
    if let Some(tags) = patch.tags {
        fields.tags = tags
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    if let Some(owner) = patch.owner_id {
        let owner = Some(owner).filter(|o| !o.is_empty());
        check_wallet_owner(ctx, fields.owner_id.as_deref(), owner.as_deref())?;
        fields.owner_id = owner;
    }
    if let Some(queue) = patch.queue_id {
        fields.queue_id = Some(queue).filter(|q| !q.is_empty());
    }
    Ok(())
}

/// Agents put contacts into their own wallet and take them out of it; supervisors and
/// admins move any contact to any agent's wallet.
fn check_wallet_owner(ctx: &TenantCtx, from: Option<&str>, to: Option<&str>) -> ApiResult<()> {
    let me = ctx.principal.user_id.as_str();
    let allowed = ctx.principal.role >= Role::Supervisor
        || (from.is_none_or(|f| f == me) && to.is_none_or(|t| t == me));
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            "agents can only put contacts into their own wallet",
        ))
    }
}

/// Merge an imported row into an existing contact: new values win, tags are added.
pub(crate) fn merge_import(existing: &mut ContactFields, row: ContactFields) {
    existing.name = row.name;
    if row.email.is_some() {
        existing.email = row.email;
    }
    existing.custom_fields.extend(row.custom_fields);
    let tags: BTreeSet<String> = existing.tags.drain(..).chain(row.tags).collect();
    existing.tags = tags.into_iter().collect();
}

/// Tag names to ids, for import; unknown names are an error on that row.
pub(crate) fn tag_ids(
    names: &str,
    by_name: &BTreeMap<String, String>,
) -> Result<Vec<String>, Problem> {
    names
        .split([';', '|'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            by_name.get(&n.to_lowercase()).cloned().ok_or_else(|| {
                Problem::new(ErrorCode::InvalidField, format!("tag '{n}' does not exist"))
            })
        })
        .collect()
}

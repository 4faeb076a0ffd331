//! Contact lists over REST (supervisors and admins, on plans with campaigns): static lists
//! with their members (added by id or imported from CSV) and dynamic lists (a filter on tags
//! and custom fields).

use poem_openapi::Object;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use tucan_model::campaign::{ContactList, ContactListPatch, ListKind, ListMembers, NewContactList};
use tucan_model::contact::ImportReport;
use tucan_model::tenancy::Feature;
use tucan_model::user::Role;
use tucan_model::{Problem, required_text};

use super::ApiTags;
use super::contacts::CsvUpload;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope, TenantCtx};
use crate::csv_io;
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiResult, Reply};
use crate::state::AppState;

pub struct ListsApi {
    pub state: AppState,
}

/// How many contacts a change touched.
#[derive(Debug, Object)]
pub struct MembersChanged {
    pub changed: u64,
}

/// A contact of a list.
#[derive(Debug, Object)]
pub struct ListMember {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub opted_out: bool,
}

/// A page of a list's contacts, in id order.
#[derive(Debug, Object)]
pub struct ListMemberPage {
    pub items: Vec<ListMember>,
    /// Pass as `after` for the next page.
    pub next_cursor: Option<String>,
}

fn default_limit() -> u32 {
    100
}

/// The caller's tenant, for a supervisor or admin on a plan with campaigns.
pub(crate) async fn campaigner(state: &AppState, auth: Auth, scope: Scope) -> ApiResult<TenantCtx> {
    let ctx = auth.tenant(state, scope).await?;
    ctx.require(Role::Supervisor)?;
    ctx.require_feature(Feature::Campaigns)?;
    Ok(ctx)
}

fn static_only(list: &ContactList) -> Result<(), Problem> {
    match list.kind {
        ListKind::Static => Ok(()),
        ListKind::Dynamic => Err(Problem::invalid_field(
            "contact_ids",
            "a dynamic list's contacts are the ones its filter finds",
        )),
    }
}

#[OpenApi(prefix_path = "/api/lists", tag = "ApiTags::Campaigns")]
impl ListsApi {
    /// The company's contact lists, with how many contacts each holds now.
    #[oai(path = "/", method = "get")]
    async fn list_contact_lists(&self, auth: Auth) -> Reply<Json<Vec<ContactList>>, { AUTHED }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        Ok(Json(ctx.db.list_contact_lists().await?))
    }

    /// A new list: static (add contacts to it) or dynamic (its `filter`).
    #[oai(path = "/", method = "post")]
    async fn create_contact_list(
        &self,
        auth: Auth,
        body: Json<NewContactList>,
    ) -> Reply<Created<ContactList>, { AUTHED | BODY | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        let name = required_text("name", &body.name, 100)?;
        let filter = match (body.kind, body.filter.clone()) {
            (ListKind::Dynamic, Some(f)) => Some(f),
            (ListKind::Dynamic, None) => {
                return Err(
                    Problem::invalid_field("filter", "a dynamic list needs a filter").into(),
                );
            }
            (ListKind::Static, _) => None,
        };
        let list = ctx
            .db
            .create_contact_list(&NewContactList {
                name,
                kind: body.kind,
                filter,
            })
            .await?;
        Ok(Created::Created(Json(list)))
    }

    #[oai(path = "/:id", method = "get")]
    async fn get_contact_list(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<ContactList>, { AUTHED | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        Ok(Json(ctx.db.get_contact_list(&id).await?))
    }

    /// Rename a list, or change a dynamic list's filter.
    #[oai(path = "/:id", method = "patch")]
    async fn update_contact_list(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<ContactListPatch>,
    ) -> Reply<Json<ContactList>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        let list = ctx.db.get_contact_list(&id).await?;
        let name = match &body.name {
            Some(n) => required_text("name", n, 100)?,
            None => list.name.clone(),
        };
        let filter = match (list.kind, &body.filter) {
            (ListKind::Static, Some(_)) => {
                return Err(Problem::invalid_field("filter", "a static list has no filter").into());
            }
            (ListKind::Dynamic, Some(f)) => Some(f.clone()),
            (_, None) => list.filter.clone(),
        };
        Ok(Json(
            ctx.db
                .save_contact_list(&id, &name, filter.as_ref())
                .await?,
        ))
    }

    /// Delete a list (its contacts stay).
    #[oai(path = "/:id", method = "delete")]
    async fn delete_contact_list(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        ctx.db.delete_contact_list(&id).await?;
        Ok(Deleted::NoContent)
    }

    /// The list's contacts, in id order: a static list's members, or the contacts a dynamic
    /// list's filter finds now (group chats are never in a list).
    #[oai(path = "/:id/members", method = "get")]
    async fn list_members(
        &self,
        auth: Auth,
        id: Path<String>,
        after: Query<Option<String>>,
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "500"))
        )]
        limit: Query<u32>,
    ) -> Reply<Json<ListMemberPage>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsRead).await?;
        let list = ctx.db.get_contact_list(&id).await?;
        let (contacts, next_cursor) = ctx
            .db
            .list_contacts_page(&list, after.0.as_deref(), limit.0)
            .await?;
        let items = contacts
            .into_iter()
            .map(|c| ListMember {
                id: c.id,
                name: c.name,
                phone: c.phone,
                opted_out: c.opted_out,
            })
            .collect();
        Ok(Json(ListMemberPage { items, next_cursor }))
    }

    /// Add contacts to a static list (those in it already stay once).
    #[oai(path = "/:id/members", method = "post")]
    async fn add_list_members(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<ListMembers>,
    ) -> Reply<Json<MembersChanged>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        static_only(&ctx.db.get_contact_list(&id).await?)?;
        let changed = ctx.db.add_list_members(&id, &body.contact_ids).await?;
        Ok(Json(MembersChanged { changed }))
    }

    /// Take contacts out of a static list.
    #[oai(path = "/:id/members/remove", method = "post")]
    async fn remove_list_members(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<ListMembers>,
    ) -> Reply<Json<MembersChanged>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        static_only(&ctx.db.get_contact_list(&id).await?)?;
        let changed = ctx.db.remove_list_members(&id, &body.contact_ids).await?;
        Ok(Json(MembersChanged { changed }))
    }

    /// Import contacts from CSV or XLSX into a static list: the columns of the contacts import
    /// (`name`, `phone`, `email`, `tags`, custom fields); contacts are created or updated by
    /// phone and join the list; bad rows are reported by line and skipped.
    #[oai(path = "/:id/import", method = "post")]
    async fn import_list(
        &self,
        auth: Auth,
        id: Path<String>,
        body: CsvUpload,
    ) -> Reply<Json<ImportReport>, { AUTHED | BODY | NOT_FOUND }> {
        let ctx = campaigner(&self.state, auth, Scope::CampaignsWrite).await?;
        let list = ctx.db.get_contact_list(&id).await?;
        if list.kind != ListKind::Static {
            return Err(Problem::invalid_field("id", "only a static list takes an import").into());
        }
        Ok(Json(csv_io::import(&ctx, body.sheet()?, Some(&id)).await?))
    }
}

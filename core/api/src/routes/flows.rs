//! Flows: drafts, validation (every problem with its node), publishing immutable
//! content-hashed versions, version history with diff and restore, and the node-type
//! catalogue the editor builds its palette and forms from. Supervisors read; admins write.

use std::collections::BTreeMap;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;
use tucan_engine::document::MAX_DOCUMENT_BYTES;
use tucan_engine::{FlowDocument, Problem, Scripts, compile};
use tucan_model::ErrorCode;
use tucan_model::tenancy::LimitKind;
use tucan_model::user::Role;
use tucan_store::{FlowRow, FlowVersionRow};

use super::ApiTags;
use super::platform::{Created, Deleted};
use crate::auth::{Auth, Scope, TenantCtx};
use crate::error::status::{AUTHED, BAD_REQUEST, BODY, CONFLICT, NOT_FOUND};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

#[derive(Debug, Object)]
pub struct Flow {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The draft document (see `schemas/flow.schema.json`).
    pub document: Value,
    /// The version runs start on; absent until first published.
    pub published_version: Option<u32>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewFlow {
    #[oai(validator(min_length = 1, max_length = 120))]
    pub name: String,
    #[oai(default, validator(max_length = 2000))]
    pub description: String,
    /// The draft; an empty flow when absent.
    pub document: Option<Value>,
}

#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct FlowPatch {
    #[oai(validator(min_length = 1, max_length = 120))]
    pub name: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
    pub document: Option<Value>,
}

/// One thing wrong with a flow document.
#[derive(Debug, Object)]
pub struct FlowProblem {
    pub node_id: Option<String>,
    pub edge_id: Option<String>,
    /// e.g. `config.expression`.
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Object)]
pub struct Validation {
    pub valid: bool,
    pub problems: Vec<FlowProblem>,
}

#[derive(Debug, Object)]
pub struct FlowVersion {
    pub version: u32,
    /// SHA-256 of the document's canonical JSON.
    pub hash: String,
    pub document: Value,
    pub published_by: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Object)]
pub struct Published {
    pub version: FlowVersion,
    /// False when the draft equals the latest version (nothing new was frozen).
    pub created: bool,
}

/// What changed between two documents, by node id.
#[derive(Debug, Object)]
pub struct FlowDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Nodes whose type, config or label changed.
    pub changed: Vec<String>,
    /// Nodes only moved on the canvas.
    pub moved: Vec<String>,
    pub edges_added: Vec<String>,
    pub edges_removed: Vec<String>,
}

/// A node type of the catalogue.
#[derive(Debug, Object)]
pub struct NodeType {
    pub kind: String,
    pub category: String,
    pub title: String,
    pub description: String,
    /// JSON Schema of the node's `config`.
    pub config_schema: Value,
    /// Fixed output ports (some types add ports from their config: menu options, switch cases).
    pub outputs: Vec<String>,
    pub trigger: bool,
    pub waits: bool,
    /// Icon name, a hint for the editor (plugin node types).
    pub icon: Option<String>,
    /// `#rrggbb`, a hint for the editor (plugin node types).
    pub color: Option<String>,
}

#[derive(ApiResponse)]
pub enum PublishResponse {
    /// Published (or already the latest version).
    #[oai(status = 200)]
    Ok(Json<Published>),
    /// The draft has problems; nothing was published.
    #[oai(status = 422)]
    Invalid(Json<Validation>),
}

pub struct FlowsApi {
    pub state: AppState,
    pub scripts: Scripts,
}

fn parse_document(v: &Value) -> ApiResult<FlowDocument> {
    let size = serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX);
    if size > MAX_DOCUMENT_BYTES {
        return Err(ApiError::new(
            ErrorCode::InvalidFlow,
            format!("a flow document has at most {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    serde_json::from_value(v.clone())
        .map_err(|e| ApiError::new(ErrorCode::InvalidFlow, format!("not a flow document: {e}")))
}

fn empty_document() -> Value {
    serde_json::json!({ "nodes": [], "edges": [] })
}

fn flow_view(row: FlowRow) -> Flow {
    Flow {
        document: serde_json::from_str(&row.draft).unwrap_or_else(|_| empty_document()),
        id: row.id,
        name: row.name,
        description: row.description,
        published_version: row.published_version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn version_view(row: FlowVersionRow) -> FlowVersion {
    FlowVersion {
        document: serde_json::from_str(&row.document).unwrap_or(Value::Null),
        version: row.version,
        hash: row.hash,
        published_by: row.published_by,
        published_at: row.published_at,
    }
}

fn problem_view(p: Problem) -> FlowProblem {
    FlowProblem {
        node_id: p.node_id,
        edge_id: p.edge_id,
        field: p.field,
        message: p.message,
    }
}

/// The changes from `old` to `new`.
pub fn diff(old: &FlowDocument, new: &FlowDocument) -> FlowDiff {
    let index = |d: &FlowDocument| {
        d.nodes
            .iter()
            .map(|n| (n.id.clone(), n.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (a, b) = (index(old), index(new));
    let mut out = FlowDiff {
        added: vec![],
        removed: vec![],
        changed: vec![],
        moved: vec![],
        edges_added: vec![],
        edges_removed: vec![],
    };
    for (id, n) in &b {
        match a.get(id) {
            None => out.added.push(id.clone()),
            Some(o) if o.node_type != n.node_type || o.config != n.config || o.label != n.label => {
                out.changed.push(id.clone())
            }
            Some(o) if o.position != n.position => out.moved.push(id.clone()),
            Some(_) => {}
        }
    }
    out.removed = a
        .keys()
        .filter(|id| !b.contains_key(*id))
        .cloned()
        .collect();
    let edge = |e: &tucan_engine::FlowEdge| format!("{}:{}->{}", e.source, e.source_port, e.target);
    let ea: Vec<String> = old.edges.iter().map(edge).collect();
    let eb: Vec<String> = new.edges.iter().map(edge).collect();
    out.edges_added = eb.iter().filter(|e| !ea.contains(e)).cloned().collect();
    out.edges_removed = ea.iter().filter(|e| !eb.contains(e)).cloned().collect();
    out
}

/// Flows and their runs: supervisors read (scope `flows:read`)…
pub(crate) async fn flow_reader(state: &AppState, auth: &Auth) -> ApiResult<TenantCtx> {
    let ctx = auth.tenant(state, Scope::FlowsRead).await?;
    ctx.require(Role::Supervisor)?;
    Ok(ctx)
}

/// …admins change them and start, test and cancel runs (scope `flows:write`).
pub(crate) async fn flow_writer(state: &AppState, auth: &Auth) -> ApiResult<TenantCtx> {
    let ctx = auth.tenant(state, Scope::FlowsWrite).await?;
    ctx.require(Role::Admin)?;
    Ok(ctx)
}

impl FlowsApi {
    async fn reader(&self, auth: &Auth) -> ApiResult<TenantCtx> {
        flow_reader(&self.state, auth).await
    }

    async fn writer(&self, auth: &Auth) -> ApiResult<TenantCtx> {
        flow_writer(&self.state, auth).await
    }

    /// The document's problems, its plugin node types resolved for the tenant.
    async fn validate(&self, ctx: &TenantCtx, doc: &FlowDocument) -> ApiResult<Vec<Problem>> {
        let registry = self.state.runtime.registry_for(&ctx.db, doc).await?;
        Ok(match compile(doc, &registry, &self.scripts) {
            Ok(_) => Vec::new(),
            Err(problems) => problems,
        })
    }

    fn stored_draft(row: &FlowRow) -> ApiResult<FlowDocument> {
        serde_json::from_str(&row.draft).map_err(|_| ApiError::internal())
    }
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Flows")]
impl FlowsApi {
    /// The node types flows can use, with their config schemas and ports.
    #[oai(path = "/node-types", method = "get")]
    async fn list_node_types(&self, auth: Auth) -> Reply<Json<Vec<NodeType>>, { AUTHED }> {
        let ctx = self.reader(&auth).await?;
        Ok(Json(
            self.state
                .runtime
                .catalogue(&ctx.db)
                .await?
                .into_iter()
                .map(|s| NodeType {
                    kind: s.kind.into(),
                    category: s.category.into(),
                    title: s.title.into(),
                    description: s.description.into(),
                    config_schema: s.config_schema,
                    outputs: s.outputs,
                    trigger: s.trigger,
                    waits: s.waits,
                    icon: s.icon,
                    color: s.color,
                })
                .collect(),
        ))
    }

    /// List the tenant's flows.
    #[oai(path = "/flows", method = "get")]
    async fn list_flows(&self, auth: Auth) -> Reply<Json<Vec<Flow>>, { AUTHED }> {
        let ctx = self.reader(&auth).await?;
        Ok(Json(
            ctx.db
                .list_flows()
                .await?
                .into_iter()
                .map(flow_view)
                .collect(),
        ))
    }

    /// Create a flow with a draft (which may still have problems).
    #[oai(path = "/flows", method = "post")]
    async fn create_flow(
        &self,
        auth: Auth,
        body: Json<NewFlow>,
    ) -> Reply<Created<Flow>, { AUTHED | BODY | CONFLICT }> {
        let ctx = self.writer(&auth).await?;
        ctx.check_limit(LimitKind::Flows, ctx.db.count_flows().await?)?;
        let doc = body.document.clone().unwrap_or_else(empty_document);
        parse_document(&doc)?;
        // Kept as sent, so the editor gets back exactly what it saved.
        let draft = doc.to_string();
        let row = ctx
            .db
            .create_flow(body.name.trim(), &body.description, &draft)
            .await?;
        Ok(Created::Created(Json(flow_view(row))))
    }

    /// Get a flow with its draft.
    #[oai(path = "/flows/:id", method = "get")]
    async fn get_flow(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Flow>, { AUTHED | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        Ok(Json(flow_view(ctx.db.get_flow(&id).await?)))
    }

    /// Save the draft, name or description.
    #[oai(path = "/flows/:id", method = "patch")]
    async fn update_flow(
        &self,
        auth: Auth,
        id: Path<String>,
        body: Json<FlowPatch>,
    ) -> Reply<Json<Flow>, { AUTHED | BODY | NOT_FOUND | CONFLICT }> {
        let ctx = self.writer(&auth).await?;
        let draft = match &body.document {
            Some(doc) => {
                parse_document(doc)?;
                Some(doc.to_string())
            }
            None => None,
        };
        let row = ctx
            .db
            .update_flow(
                &id,
                body.name.as_deref().map(str::trim),
                body.description.as_deref(),
                draft.as_deref(),
            )
            .await?;
        Ok(Json(flow_view(row)))
    }

    /// Delete a flow and its versions; its waiting runs are cancelled.
    #[oai(path = "/flows/:id", method = "delete")]
    async fn delete_flow(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Deleted, { AUTHED | NOT_FOUND | CONFLICT }> {
        let ctx = self.writer(&auth).await?;
        ctx.db.get_flow(&id).await?;
        // Runs still waiting in it end as cancelled (their contacts are free again).
        loop {
            let waiting = ctx
                .db
                .list_runs(&tucan_store::RunQuery {
                    flow_id: Some(id.0.clone()),
                    status: Some("waiting".into()),
                    limit: 200,
                    ..Default::default()
                })
                .await?;
            if waiting.is_empty() {
                break;
            }
            for run in waiting {
                self.state.runtime.cancel(&ctx.db, &run.id).await?;
            }
        }
        ctx.db.delete_flow(&id).await?;
        self.state.runtime.forget_published(ctx.db.tenant_id());
        Ok(Deleted::NoContent)
    }

    /// Check the draft: every problem, each with its node, edge and field.
    #[oai(path = "/flows/:id/validate", method = "post")]
    async fn validate_flow(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Validation>, { AUTHED | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        let doc = Self::stored_draft(&ctx.db.get_flow(&id).await?)?;
        let problems = self.validate(&ctx, &doc).await?;
        Ok(Json(Validation {
            valid: problems.is_empty(),
            problems: problems.into_iter().map(problem_view).collect(),
        }))
    }

    /// Freeze the draft as a new immutable version that new runs start on.
    #[oai(path = "/flows/:id/publish", method = "post")]
    async fn publish_flow(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<PublishResponse, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = self.writer(&auth).await?;
        let row = ctx.db.get_flow(&id).await?;
        let doc = Self::stored_draft(&row)?;
        // Plugin nodes are pinned to their plugin's current version, and what is published
        // is checked as pinned.
        let mut pinned = doc.clone();
        self.state.runtime.pin_plugins(&ctx.db, &mut pinned).await?;
        let problems = self.validate(&ctx, &pinned).await?;
        if !problems.is_empty() {
            return Ok(PublishResponse::Invalid(Json(Validation {
                valid: false,
                problems: problems.into_iter().map(problem_view).collect(),
            })));
        }
        let text = if pinned == doc {
            row.draft.clone()
        } else {
            serde_json::to_string(&pinned).map_err(|_| ApiError::internal())?
        };
        let (version, created) = ctx
            .db
            .publish_flow(&id, &text, &pinned.content_hash(), &ctx.principal.user_id)
            .await?;
        self.state.runtime.forget_published(ctx.db.tenant_id());
        // Schedule triggers tick from the version just published.
        if let Err(e) = self.state.runtime.arm_schedules(&ctx.db, &id).await {
            tracing::warn!(flow = %id.0, error = %e, "arming schedule triggers failed");
        }
        Ok(PublishResponse::Ok(Json(Published {
            version: version_view(version),
            created,
        })))
    }

    /// Published versions, newest first.
    #[oai(path = "/flows/:id/versions", method = "get")]
    async fn list_flow_versions(
        &self,
        auth: Auth,
        id: Path<String>,
    ) -> Reply<Json<Vec<FlowVersion>>, { AUTHED | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        Ok(Json(
            ctx.db
                .list_flow_versions(&id)
                .await?
                .into_iter()
                .map(version_view)
                .collect(),
        ))
    }

    /// One published version.
    #[oai(path = "/flows/:id/versions/:version", method = "get")]
    async fn get_flow_version(
        &self,
        auth: Auth,
        id: Path<String>,
        version: Path<u32>,
    ) -> Reply<Json<FlowVersion>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        Ok(Json(version_view(
            ctx.db.get_flow_version(&id, version.0).await?,
        )))
    }

    /// What changed from this version to the draft, or to version `against`.
    #[oai(path = "/flows/:id/versions/:version/diff", method = "get")]
    async fn diff_flow_version(
        &self,
        auth: Auth,
        id: Path<String>,
        version: Path<u32>,
        against: Query<Option<u32>>,
    ) -> Reply<Json<FlowDiff>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = self.reader(&auth).await?;
        let old = ctx.db.get_flow_version(&id, version.0).await?;
        let old: FlowDocument =
            serde_json::from_str(&old.document).map_err(|_| ApiError::internal())?;
        let new = match against.0 {
            Some(v) => serde_json::from_str(&ctx.db.get_flow_version(&id, v).await?.document)
                .map_err(|_| ApiError::internal())?,
            None => Self::stored_draft(&ctx.db.get_flow(&id).await?)?,
        };
        Ok(Json(diff(&old, &new)))
    }

    /// Make a published version the draft again.
    #[oai(path = "/flows/:id/versions/:version/restore", method = "post")]
    async fn restore_flow_version(
        &self,
        auth: Auth,
        id: Path<String>,
        version: Path<u32>,
    ) -> Reply<Json<Flow>, { AUTHED | BAD_REQUEST | NOT_FOUND }> {
        let ctx = self.writer(&auth).await?;
        let v = ctx.db.get_flow_version(&id, version.0).await?;
        Ok(Json(flow_view(
            ctx.db
                .update_flow(&id, None, None, Some(&v.document))
                .await?,
        )))
    }
}

//! Inbound webhooks: another system starts a flow by POSTing JSON to the URL of one of its
//! `trigger.webhook` nodes. No bearer: the node's secret, sent in `X-Tucan-Secret`, is the
//! credential. Unknown tenants, flows and nodes all answer 404 alike.

use poem_openapi::param::{Header, Path};
use poem_openapi::payload::{Binary, Json, Response};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tucan_model::ErrorCode;
use tucan_model::ids::new_id;
use tucan_model::phone::normalize_phone;
use tucan_model::tenancy::TenantStatus;
use tucan_runtime::{HookAnswer, RunContact, RunSource, StartRun, TriggerEvent};
use tucan_store::{ContactFields, TenantDb};

use super::ApiTags;
use crate::error::status::{ALWAYS, BODY, CONFLICT, FORBIDDEN, NOT_FOUND, UNAUTHORIZED};
use crate::error::{ApiError, ApiResult, Reply};
use crate::state::AppState;

#[derive(Debug, Object)]
pub struct HookAccepted {
    pub run_id: String,
    /// The run's status after its first steps.
    pub status: String,
}

#[derive(ApiResponse)]
pub enum HookResponse {
    /// The flow's "Respond to webhook" step answered: its body, with the status and headers
    /// it set (the status may be any from 200 to 599; `content-type` is
    /// `application/json` unless the step set another).
    #[oai(status = 200)]
    Answered(Binary<Vec<u8>>),
    /// The run started (and the flow gave no answer in time, or has no answer step).
    #[oai(status = 202)]
    Accepted(Json<HookAccepted>),
}

pub struct HooksApi {
    pub state: AppState,
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::WebhookNotFound, "no such webhook")
}

/// Equal secrets, compared through their digests (no early exit on the secret itself).
fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The contact named in the payload (`contact.phone`, optional `contact.name`), found by
/// phone or created.
async fn payload_contact(
    db: &TenantDb,
    payload: &Value,
    country: &str,
) -> ApiResult<Option<String>> {
    let Some(c) = payload.get("contact").filter(|c| !c.is_null()) else {
        return Ok(None);
    };
    let phone = c["phone"]
        .as_str()
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidPhone, "contact.phone is missing"))?;
    let phone = normalize_phone(phone, country)?;
    if let Some(found) = db.find_contact_by_phone(&phone).await? {
        return Ok(Some(found.id));
    }
    let name = c["name"]
        .as_str()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&phone);
    if name.chars().count() > 200 {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "contact.name has at most 200 characters",
        ));
    }
    let created = db
        .create_contact(&ContactFields {
            name: name.to_string(),
            phone: phone.clone(),
            email: None,
            custom_fields: Default::default(),
            tags: vec![],
            is_group: false,
            ..Default::default()
        })
        .await;
    match created {
        Ok(c) => Ok(Some(c.id)),
        // Created by a concurrent call a moment ago.
        Err(_) => Ok(db.find_contact_by_phone(&phone).await?.map(|c| c.id)),
    }
}

/// The flow's answer as the call's response.
fn answered(a: HookAnswer) -> Response<HookResponse> {
    let mut r = Response::new(HookResponse::Answered(Binary(a.body.into_bytes())));
    if let Ok(status) = poem::http::StatusCode::from_u16(a.status) {
        r = r.status(status);
    }
    if !a.headers.contains_key("content-type") {
        r = r.header("content-type", "application/json");
    }
    for (name, value) in a.headers {
        r = r.header(name, value);
    }
    r
}

#[OpenApi(prefix_path = "/api", tag = "ApiTags::Runs")]
impl HooksApi {
    /// Start a flow at its inbound webhook trigger. The JSON body is in `vars.payload`; with
    /// a `contact` object (`phone`, optional `name`) the run is for that contact, created if
    /// new. A flow with a "Respond to webhook" step answers the call itself when the step
    /// comes within the trigger's `respond_timeout_ms`; otherwise 202 with the run's id.
    /// `UNAUTHORIZED` for a missing or wrong `X-Tucan-Secret`.
    #[oai(path = "/hooks/:tenant_id/:flow_id/:node_id", method = "post")]
    async fn inbound_hook(
        &self,
        tenant_id: Path<String>,
        flow_id: Path<String>,
        node_id: Path<String>,
        #[oai(name = "X-Tucan-Secret")] secret: Header<Option<String>>,
        body: Json<Value>,
    ) -> Reply<
        Response<HookResponse>,
        { ALWAYS | BODY | UNAUTHORIZED | FORBIDDEN | NOT_FOUND | CONFLICT },
    > {
        let platform = self.state.store.platform();
        let tenant = platform
            .get_tenant(&tenant_id)
            .await
            .map_err(|_| not_found())?;
        if tenant.status == TenantStatus::Suspended {
            return Err(ApiError::new(
                ErrorCode::TenantSuspended,
                "this company's account is suspended",
            )
            .into());
        }
        let db = self.state.store.tenant(&tenant.id).await?;
        let target = self
            .state
            .runtime
            .webhook_target(&db, &flow_id, &node_id)
            .await
            .map_err(|_| not_found())?
            .ok_or_else(not_found)?;
        if !secret
            .0
            .as_deref()
            .is_some_and(|s| same_secret(s, &target.secret))
        {
            return Err(
                ApiError::new(ErrorCode::Unauthorized, "missing or wrong X-Tucan-Secret").into(),
            );
        }
        let payload = body.0;
        let contact = match payload_contact(&db, &payload, &tenant.country).await? {
            Some(id) => RunContact::Stored(id),
            None => RunContact::None,
        };
        let runtime = &self.state.runtime;
        let run_id = new_id();
        let answer = target
            .wait_for_answer
            .map(|wait| (wait, runtime.expect_answer(&run_id)));
        let started = runtime
            .start(
                &db,
                StartRun {
                    flow_id: flow_id.0,
                    source: RunSource::Published { version: None },
                    contact,
                    ticket_id: None,
                    vars: Map::new(),
                    event: Some(TriggerEvent::Webhook {
                        node: node_id.0,
                        payload,
                    }),
                    clock: None,
                    id: Some(run_id.clone()),
                    parent: None,
                },
            )
            .await;
        let run = match started {
            Ok(run) => run,
            Err(e) => {
                runtime.forget_answer(&run_id);
                return Err(ApiError::from(e).into());
            }
        };
        if let Some((wait, rx)) = answer {
            match tokio::time::timeout(wait, rx).await {
                Ok(Ok(a)) => return Ok(answered(a)),
                _ => runtime.forget_answer(&run_id),
            }
        }
        Ok(Response::new(HookResponse::Accepted(Json(HookAccepted {
            run_id: run.id,
            status: run.status,
        }))))
    }
}

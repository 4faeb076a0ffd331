//! Inbound webhooks: another system starts a flow by POSTing JSON to the URL of one of its
//! `trigger.webhook` nodes. No bearer: the node's secret is the credential, sent in
//! `X-Tucan-Secret` or used to sign the body (Standard Webhooks or GitHub style), within the
//! node's own calls per minute. Unknown tenants, flows and nodes all answer 404 alike.

use poem_openapi::param::{Header, Path};
use poem_openapi::payload::{Binary, Json, PlainText, Response};
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tucan_model::ErrorCode;
use tucan_model::ids::new_id;
use tucan_model::phone::normalize_phone;
use tucan_model::tenancy::TenantStatus;
use tucan_runtime::{HookAnswer, RunContact, RunSource, StartRun, TriggerEvent};
use tucan_store::{ContactFields, TenantDb};

use super::ApiTags;
use crate::error::status::{
    ALWAYS, BODY, CONFLICT, FORBIDDEN, NOT_FOUND, TOO_MANY_REQUESTS, UNAUTHORIZED,
};
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

/// The call's body: any JSON, kept as sent (signatures cover the exact bytes).
#[derive(ApiRequest)]
pub enum HookBody {
    /// A JSON value; a `contact` object (`phone`, optional `name`) names the run's contact.
    #[oai(content_type = "application/json")]
    Json(PlainText<String>),
}

/// What a call shows of its knowledge of the node's secret.
struct Proof<'a> {
    secret: Option<&'a str>,
    id: Option<&'a str>,
    timestamp: Option<&'a str>,
    signature: Option<&'a str>,
    hub_signature: Option<&'a str>,
}

/// How far a Standard Webhooks timestamp may be from now.
const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

impl Proof<'_> {
    /// The call as the node's `auth` wants it: the secret itself, or a signature of the exact
    /// body with it.
    fn check(&self, auth: &str, secret: &str, body: &str) -> ApiResult<()> {
        let refused = |why: &str| ApiError::new(ErrorCode::Unauthorized, why);
        match auth {
            "standard_webhooks" => {
                let (Some(id), Some(ts), Some(sigs)) = (self.id, self.timestamp, self.signature)
                else {
                    return Err(refused(
                        "webhook-id, webhook-timestamp and webhook-signature are required",
                    ));
                };
                let ts: i64 = ts
                    .parse()
                    .map_err(|_| refused("webhook-timestamp is not a number of seconds"))?;
                if (chrono::Utc::now().timestamp() - ts).abs() > TIMESTAMP_TOLERANCE_SECS {
                    return Err(refused("webhook-timestamp is too far from now"));
                }
                let expected = tucan_webhooks::sign::sign(secret, id, ts, body)
                    .ok_or_else(|| refused("the node's secret is not a whsec_ secret"))?;
                if sigs.split(' ').any(|s| same_secret(s, &expected)) {
                    Ok(())
                } else {
                    Err(refused("no webhook-signature matches"))
                }
            }
            "github" => {
                let expected = format!("sha256={}", tucan_webhooks::sign::hex_hmac(secret, body));
                match self.hub_signature {
                    Some(sig) if same_secret(sig, &expected) => Ok(()),
                    _ => Err(refused("missing or wrong X-Hub-Signature-256")),
                }
            }
            _ => match self.secret {
                Some(s) if same_secret(s, secret) => Ok(()),
                _ => Err(refused("missing or wrong X-Tucan-Secret")),
            },
        }
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
    #[allow(clippy::too_many_arguments)] // one per path part and header
    #[oai(path = "/hooks/:tenant_id/:flow_id/:node_id", method = "post")]
    async fn inbound_hook(
        &self,
        tenant_id: Path<String>,
        flow_id: Path<String>,
        node_id: Path<String>,
        #[oai(name = "X-Tucan-Secret")] secret: Header<Option<String>>,
        #[oai(name = "webhook-id")] webhook_id: Header<Option<String>>,
        #[oai(name = "webhook-timestamp")] webhook_timestamp: Header<Option<String>>,
        #[oai(name = "webhook-signature")] webhook_signature: Header<Option<String>>,
        #[oai(name = "X-Hub-Signature-256")] hub_signature: Header<Option<String>>,
        body: HookBody,
    ) -> Reply<
        Response<HookResponse>,
        { ALWAYS | BODY | UNAUTHORIZED | FORBIDDEN | NOT_FOUND | CONFLICT | TOO_MANY_REQUESTS },
    > {
        let HookBody::Json(PlainText(raw)) = body;
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
        let proof = Proof {
            secret: secret.0.as_deref(),
            id: webhook_id.0.as_deref(),
            timestamp: webhook_timestamp.0.as_deref(),
            signature: webhook_signature.0.as_deref(),
            hub_signature: hub_signature.0.as_deref(),
        };
        proof.check(&target.auth, &target.secret, &raw)?;
        if target.rate_limit_per_minute > 0 {
            let key = format!("{}:{}:{}", tenant.id, *flow_id, *node_id);
            if !self
                .state
                .hook_limiter
                .take(&key, target.rate_limit_per_minute as usize)
            {
                return Err(ApiError::new(
                    ErrorCode::TooManyAttempts,
                    "this webhook's calls per minute are used up; try again shortly",
                )
                .into());
            }
        }
        let payload: Value = serde_json::from_str(&raw).map_err(|e| {
            ApiError::new(ErrorCode::InvalidBody, format!("the body is not JSON: {e}"))
        })?;
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

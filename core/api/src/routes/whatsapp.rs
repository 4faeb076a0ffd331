//! The Cloud API's webhook, one URL per connection (`/api/hooks/whatsapp/<tenant>/<connection>`,
//! shown on the connection to paste into Meta's console): `GET` answers Meta's verification
//! handshake, `POST` takes a notification whose `X-Hub-Signature-256` matches the raw body
//! under the app's secret and hands it to a job, answering at once. A bad or missing
//! signature is 401 and writes nothing.

use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{Body, IntoResponse, Request, Response, handler};
use serde::Deserialize;
use tucan_channels::cloud_api::signature_valid;
use tucan_model::ErrorCode;
use tucan_model::tenancy::TenantStatus;
use tucan_model::ticket::{ChannelKind, Connection};
use tucan_store::TenantDb;

use crate::error::ApiError;
use crate::state::AppState;

/// The webhook path of a connection.
pub fn webhook_path(tenant: &str, connection_id: &str) -> String {
    format!("/api/hooks/whatsapp/{tenant}/{connection_id}")
}

#[derive(Debug, Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// The Cloud API connection a webhook URL names.
async fn connection(
    state: &AppState,
    tenant: &str,
    connection_id: &str,
) -> Result<(TenantDb, Connection), ApiError> {
    // The company first: an id that names none opens no database.
    let company = state.store.platform().get_tenant(tenant).await?;
    if company.status == TenantStatus::Suspended {
        return Err(ApiError::new(
            ErrorCode::TenantSuspended,
            "this company's account is suspended",
        ));
    }
    let db = state.store.tenant(tenant).await?;
    let conn = db.get_connection(connection_id).await?;
    if conn.kind != ChannelKind::CloudApi {
        return Err(ApiError::new(
            ErrorCode::ConnectionNotFound,
            "no Cloud API connection here",
        ));
    }
    Ok((db, conn))
}

/// `GET`: Meta's verification handshake; the challenge back when the verify token matches.
#[handler]
pub async fn verify_webhook(
    Path((tenant, connection_id)): Path<(String, String)>,
    Query(h): Query<Handshake>,
    Data(state): Data<&AppState>,
) -> Response {
    let answer = async {
        let (db, conn) = connection(state, &tenant, &connection_id).await?;
        let settings = db
            .cloud_settings(&conn.id)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::ConnectionNotFound, "no settings"))?;
        let token_ok = h.verify_token.as_deref().is_some_and(|t| {
            t.len() == settings.verify_token.len()
                && t.bytes()
                    .zip(settings.verify_token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        match (h.mode.as_deref(), token_ok, h.challenge) {
            (Some("subscribe"), true, Some(challenge)) => Ok(challenge),
            _ => Err(ApiError::forbidden(
                "the verify token does not match this connection's",
            )),
        }
    }
    .await;
    match answer {
        Ok(challenge) => challenge.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST`: a notification, checked against its signature, queued for the inbox.
#[handler]
pub async fn receive_webhook(
    Path((tenant, connection_id)): Path<(String, String)>,
    req: &Request,
    body: Body,
    Data(state): Data<&AppState>,
) -> Response {
    let signature = req
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let answer = async {
        let (db, conn) = connection(state, &tenant, &connection_id).await?;
        let bytes = body
            .into_vec()
            .await
            .map_err(|_| ApiError::new(ErrorCode::InvalidBody, "the body could not be read"))?;
        let api = state.inbox.cloud_api(&db, &conn).await?;
        if !signature_valid(&api.config.app_secret, &bytes, signature.as_deref()) {
            return Err(ApiError::new(
                ErrorCode::SignatureInvalid,
                "X-Hub-Signature-256 is missing or does not match the body",
            ));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| ApiError::new(ErrorCode::InvalidBody, "the body is not UTF-8"))?;
        state.inbox.queue_webhook(&tenant, &conn.id, text).await?;
        Ok(())
    }
    .await;
    match answer {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

//! Liveness and readiness probes.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::state::AppState;

#[derive(Debug, Object)]
pub struct Health {
    pub status: String,
    pub version: String,
}

#[derive(ApiResponse)]
pub enum Readiness {
    /// Ready to serve.
    #[oai(status = 200)]
    Ready(Json<Health>),
    /// The database does not answer.
    #[oai(status = 503)]
    NotReady(Json<Health>),
}

pub struct SystemApi {
    pub state: AppState,
}

fn health(status: &str) -> Json<Health> {
    Json(Health {
        status: status.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// The process is up.
    #[oai(path = "/healthz", method = "get")]
    async fn healthz(&self) -> Json<Health> {
        health("ok")
    }

    /// The process can serve requests (the database answers).
    #[oai(path = "/readyz", method = "get")]
    async fn readyz(&self) -> Readiness {
        if self.state.store.ping().await {
            Readiness::Ready(health("ready"))
        } else {
            Readiness::NotReady(health("database unavailable"))
        }
    }
}

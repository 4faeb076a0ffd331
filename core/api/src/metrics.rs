//! `GET /metrics`: job-bus metrics in the Prometheus text format. When a metrics token is
//! configured the scraper must send it as a bearer token.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};
use tucan_bus::Lane;

use crate::state::AppState;

#[handler]
pub async fn metrics(req: &Request, state: Data<&AppState>) -> Response {
    if let Some(token) = &state.settings.metrics_token {
        let sent = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if sent != Some(token.as_str()) {
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .body("metrics token required\n");
        }
    }
    let mut depths = Vec::new();
    for lane in Lane::ALL {
        match state.bus.lane_counts(lane).await {
            Ok(c) => depths.push((lane, c)),
            Err(e) => tracing::warn!(lane = lane.as_str(), error = %e, "queue depth unavailable"),
        }
    }
    let dead = state.dead_letters.count(None).await.unwrap_or(0);
    Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(state.bus.metrics().render(&depths, dead))
}

//! The inbox's real-time stream: `GET /api/ws?token=<access token>` upgrades to a websocket.
//! The client subscribes per view and gets the events it may see:
//!
//! - `{"type":"subscribe","id":"s1","view":"tickets","status":["pending"],"after":"<event id>"}`
//!   — ticket changes (a ticket that leaves the caller's sight arrives as `ticket_gone`);
//! - `{"type":"subscribe","id":"s2","view":"ticket","ticket_id":"…"}` — one ticket's changes,
//!   messages and `typing` events (the customer writing, `data.state`: `composing`,
//!   `recording` or `paused`; not replayed);
//! - `{"type":"subscribe","id":"s3","view":"connections"}` — connection status changes;
//! - `{"type":"subscribe","id":"s4","view":"simulator","connection_id":"…"}` — the simulated
//!   phones of a simulator connection (supervisors and admins);
//! - `{"type":"unsubscribe","id":"s1"}`, `{"type":"ping"}`.
//!
//! The server sends `{"type":"event","sub":"s1","event":{…}}`, `{"type":"subscribed",…}`,
//! `{"type":"pong"}` and `{"type":"error","code":…,"message":…}`. Every event carries an
//! id; subscribing with `after` replays the events since (from two seconds before it, so an
//! event committed late is not missed; clients skip ids they have seen). Permissions are
//! those of the user now: they are re-read whenever queues or users change and every ten
//! seconds, and the socket closes when the token expires, the user is removed, its password
//! changes or the company is suspended.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use poem::web::websocket::{Message as WsMessage, WebSocket};
use poem::web::{Data, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tucan_inbox::SharedEvent;
use tucan_model::ErrorCode;
use tucan_model::ids::{floor_id, id_time};
use tucan_model::tenancy::TenantStatus;
use tucan_model::user::Role;
use tucan_store::{EventKind, InboxEvent, TenantDb, Visibility};

use super::tickets::unassigned_pending;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct WsParams {
    token: Option<String>,
}

/// What a socket's user may see, as of the last check.
struct Perms {
    user_id: String,
    role: Role,
    /// `None`: everything of the tenant.
    visibility: Option<Visibility>,
}

impl Perms {
    /// The user's permissions now; `None` when the socket must close: the user is gone, its
    /// password changed after the token was issued, or the company is suspended.
    async fn load(state: &AppState, db: &TenantDb, user_id: &str, iat_ms: i64) -> Option<Perms> {
        let tenant = state
            .store
            .platform()
            .get_tenant(db.tenant_id())
            .await
            .ok()?;
        if tenant.status == TenantStatus::Suspended {
            return None;
        }
        let row = db.users().get_row(user_id).await.ok()?;
        if iat_ms < row.password_changed_at.timestamp_millis() || row.password_must_change {
            return None;
        }
        let visibility = if row.role >= Role::Supervisor {
            None
        } else {
            let queue_ids = db
                .queues_of_user(user_id)
                .await
                .ok()?
                .into_iter()
                .map(|q| q.id)
                .collect();
            let settings = state.runtime.settings_of(db).await.ok()?;
            Some(Visibility {
                user_id: user_id.to_string(),
                queue_ids,
                unassigned_pending: unassigned_pending(&settings),
            })
        };
        Some(Perms {
            user_id: user_id.to_string(),
            role: row.role,
            visibility,
        })
    }

    fn sees(&self, queue: Option<&str>, user: Option<&str>, status: Option<&str>) -> bool {
        self.visibility
            .as_ref()
            .is_none_or(|v| v.sees(queue, user, status))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "view", rename_all = "snake_case")]
enum View {
    Tickets {
        #[serde(default)]
        status: Vec<String>,
    },
    Ticket {
        ticket_id: String,
    },
    Connections,
    Simulator {
        connection_id: String,
    },
    /// Notes that mention the caller, on any ticket.
    Mentions,
    /// Notices to the company's admins (admins only).
    Notices,
    /// Campaigns' progress (supervisors and admins).
    Campaigns,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Subscribe {
        id: String,
        #[serde(flatten)]
        view: View,
        after: Option<String>,
    },
    Unsubscribe {
        id: String,
    },
    Ping,
}

/// What a subscription receives of one event.
enum Delivery {
    Full,
    /// The ticket left the caller's sight: only its id.
    Gone,
    Nothing,
}

fn delivery(view: &View, perms: &Perms, ev: &InboxEvent) -> Delivery {
    let now = perms.sees(
        ev.queue_id.as_deref(),
        ev.user_id.as_deref(),
        ev.status.as_deref(),
    );
    match view {
        View::Tickets { status } => {
            if ev.kind != EventKind::Ticket {
                return Delivery::Nothing;
            }
            let wanted = |s: &Option<String>| {
                status.is_empty() || s.as_ref().is_some_and(|s| status.contains(s))
            };
            let before = ev.prev_status.is_some()
                && perms.sees(
                    ev.prev_queue_id.as_deref(),
                    ev.prev_user_id.as_deref(),
                    ev.prev_status.as_deref(),
                );
            if now && (wanted(&ev.status) || wanted(&ev.prev_status)) {
                Delivery::Full
            } else if before && wanted(&ev.prev_status) {
                Delivery::Gone
            } else {
                Delivery::Nothing
            }
        }
        View::Ticket { ticket_id } => {
            let before = ev.prev_status.is_some()
                && perms.sees(
                    ev.prev_queue_id.as_deref(),
                    ev.prev_user_id.as_deref(),
                    ev.prev_status.as_deref(),
                );
            if ev.ticket_id.as_deref() != Some(ticket_id.as_str()) {
                Delivery::Nothing
            } else if now {
                Delivery::Full
            } else if ev.kind == EventKind::Ticket && before {
                Delivery::Gone
            } else {
                Delivery::Nothing
            }
        }
        View::Connections if ev.kind == EventKind::Connection => Delivery::Full,
        View::Notices if ev.kind == EventKind::Notice && perms.role >= Role::Admin => {
            Delivery::Full
        }
        View::Campaigns if ev.kind == EventKind::Campaign && perms.role >= Role::Supervisor => {
            Delivery::Full
        }
        View::Mentions if ev.kind == EventKind::Message && mentions(ev, &perms.user_id) => {
            Delivery::Full
        }
        View::Simulator { connection_id }
            if ev.kind == EventKind::Sim
                && perms.role >= Role::Supervisor
                && ev.connection_id.as_deref() == Some(connection_id.as_str()) =>
        {
            Delivery::Full
        }
        _ => Delivery::Nothing,
    }
}

/// A note of the event names `user_id` among its mentions (a note is written once, so its
/// first event is the only one that carries them).
fn mentions(ev: &InboxEvent, user_id: &str) -> bool {
    ev.data["direction"] == "note"
        && ev.data["mentions"]
            .as_array()
            .is_some_and(|m| m.iter().any(|u| u == user_id))
}

/// The `event` object a subscription receives of `ev`, as JSON text.
fn event_body(ev: &InboxEvent, how: &Delivery, perms: &Perms) -> String {
    let mut data = ev.data.clone();
    if ev.kind == EventKind::Connection
        && let Some(d) = data.as_object_mut()
    {
        // A Cloud API number's stored settings (its secrets sealed) stay on the server; admins
        // read them, without the secrets, through the API.
        d.remove("cloud");
        // The pairing code links a phone to the number: admins only.
        if perms.role < Role::Admin {
            d.remove("pairing");
        }
    }
    let event = match how {
        Delivery::Gone => json!({
            "id": ev.id, "kind": "ticket_gone", "ticket_id": ev.ticket_id, "at": ev.at,
        }),
        _ => json!({
            "id": ev.id, "kind": ev.kind, "ticket_id": ev.ticket_id,
            "connection_id": ev.connection_id, "data": data, "at": ev.at,
        }),
    };
    event.to_string()
}

/// True when every subscription that receives `ev` in full receives the same text: all but
/// a connection's, whose pairing code only admins see.
fn same_for_all(ev: &InboxEvent, how: &Delivery) -> bool {
    matches!(how, Delivery::Full) && ev.kind != EventKind::Connection
}

/// The message a subscription `sub` receives, around an event's text.
fn event_json(sub: &str, body: &str) -> String {
    format!(
        "{{\"type\":\"event\",\"sub\":{},\"event\":{body}}}",
        Value::from(sub)
    )
}

/// An event id two seconds earlier than `id` (ids start with their millisecond time).
fn rewind(id: &str) -> String {
    match id_time(id) {
        Some(at) => floor_id(at - chrono::Duration::seconds(2)),
        None => "0".repeat(32),
    }
}

/// How often a socket re-reads its user's permissions when nothing announced a change.
const RECHECK: Duration = Duration::from_secs(10);

/// The socket's permission re-check timer. Its first tick falls at a random point of the
/// first period, not at once (the permissions were just read) and not in step with every
/// other socket: sockets that connect together, as all of them do after a restart, would
/// otherwise all re-read at the same instants.
fn recheck_timer() -> tokio::time::Interval {
    let first = tokio::time::Instant::now() + first_recheck();
    let mut timer = tokio::time::interval_at(first, RECHECK);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    timer
}

/// When a new socket first re-reads: somewhere between a tenth of the period and the period.
fn first_recheck() -> Duration {
    use rand::Rng;
    RECHECK.mul_f64(rand::thread_rng().gen_range(0.1..1.0))
}

/// `GET /api/ws?token=…`: the real-time stream of the inbox.
#[handler]
pub async fn inbox_socket(
    ws: WebSocket,
    Query(params): Query<WsParams>,
    Data(state): Data<&AppState>,
) -> Response {
    let unauthorized =
        || ApiError::new(ErrorCode::TokenInvalid, "the access token is not valid").into_response();
    // The codes of REST: no token, an expired one and a bad one each say so.
    let Some(token) = params.token.filter(|t| !t.is_empty()) else {
        return ApiError::new(
            ErrorCode::Unauthorized,
            "an access token is required: /api/ws?token=…",
        )
        .into_response();
    };
    let claims = match state.tokens.verify(&token) {
        Ok(claims) => claims,
        Err(e) => return e.into_response(),
    };
    let Some(tenant_id) = claims.tid.clone() else {
        return ApiError::forbidden("the inbox stream is for a company's users").into_response();
    };
    let Ok(db) = state.store.tenant(&tenant_id).await else {
        return unauthorized();
    };
    let Some(perms) = Perms::load(state, &db, &claims.sub, claims.iat_ms).await else {
        return unauthorized();
    };
    let Ok(rx) = state.inbox.hub().subscribe(&db).await else {
        return ApiError::internal().into_response();
    };
    let state = state.clone();
    ws.on_upgrade(move |socket| async move {
        let session = Session {
            state,
            db,
            user_id: claims.sub,
            iat_ms: claims.iat_ms,
            expires_ms: claims.exp * 1000,
            subs: HashMap::new(),
            perms: Some(perms),
        };
        session.run(socket, rx).await;
    })
    .into_response()
}

struct Session {
    state: AppState,
    db: TenantDb,
    user_id: String,
    iat_ms: i64,
    expires_ms: i64,
    subs: HashMap<String, View>,
    perms: Option<Perms>,
}

impl Session {
    async fn run(
        mut self,
        socket: poem::web::websocket::WebSocketStream,
        mut rx: tokio::sync::broadcast::Receiver<Arc<SharedEvent>>,
    ) {
        let (mut tx, mut incoming) = socket.split();
        // Where a catch-up starts if the socket falls behind before its first event.
        let mut last_seen: Option<String> = Some(tucan_model::ids::new_id());
        let mut check = recheck_timer();
        loop {
            if self.perms.is_none() || chrono::Utc::now().timestamp_millis() >= self.expires_ms {
                let _ = tx
                    .send(WsMessage::Text(
                        json!({ "type": "error", "code": "TOKEN_EXPIRED", "message": "sign in again" })
                            .to_string(),
                    ))
                    .await;
                break;
            }
            let out: Vec<String> = tokio::select! {
                msg = incoming.next() => match msg {
                    Some(Ok(WsMessage::Text(text))) => self.on_client(&text).await,
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => Vec::new(),
                },
                ev = rx.recv() => match ev {
                    Ok(ev) => {
                        last_seen = Some(ev.id.clone());
                        self.on_event(&ev).await
                    }
                    Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => {
                        // Fell behind (or the tenant's stream restarted): listen again and
                        // catch up from the store.
                        match self.state.inbox.hub().subscribe(&self.db).await {
                            Ok(r) => rx = r,
                            Err(_) => break,
                        }
                        match &last_seen {
                            Some(after) => self.catch_up(after, None).await,
                            None => Vec::new(),
                        }
                    }
                },
                _ = check.tick() => {
                    self.perms = self.reload().await;
                    Vec::new()
                }
            };
            for text in out {
                if tx.send(WsMessage::Text(text)).await.is_err() {
                    return;
                }
            }
        }
        let _ = tx.close().await;
    }

    async fn reload(&self) -> Option<Perms> {
        Perms::load(&self.state, &self.db, &self.user_id, self.iat_ms).await
    }

    async fn on_client(&mut self, text: &str) -> Vec<String> {
        let msg: ClientMessage = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                return vec![
                    json!({ "type": "error", "code": "INVALID_BODY", "message": e.to_string() })
                        .to_string(),
                ];
            }
        };
        match msg {
            ClientMessage::Ping => vec![json!({ "type": "pong" }).to_string()],
            ClientMessage::Unsubscribe { id } => {
                self.subs.remove(&id);
                vec![json!({ "type": "unsubscribed", "sub": id }).to_string()]
            }
            ClientMessage::Subscribe { id, view, after } => {
                if self.subs.len() >= 50 && !self.subs.contains_key(&id) {
                    return vec![json!({ "type": "error", "code": "INVALID_PARAM", "message": "at most 50 subscriptions per socket" }).to_string()];
                }
                self.subs.insert(id.clone(), view);
                let mut out = match &after {
                    Some(a) => self.catch_up(a, Some(&id)).await,
                    None => Vec::new(),
                };
                out.push(
                    json!({ "type": "subscribed", "sub": id, "replayed": out.len() }).to_string(),
                );
                out
            }
        }
    }

    async fn on_event(&mut self, ev: &SharedEvent) -> Vec<String> {
        if ev.kind == EventKind::Access {
            self.perms = self.reload().await;
            return Vec::new();
        }
        let Some(perms) = &self.perms else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (sub, view) in &self.subs {
            let how = delivery(view, perms, ev);
            if matches!(how, Delivery::Nothing) {
                continue;
            }
            // Written once for all the tenant's sockets, not once per socket.
            if same_for_all(ev, &how) {
                out.push(event_json(sub, ev.text(|e| event_body(e, &how, perms))));
            } else {
                out.push(event_json(sub, &event_body(ev, &how, perms)));
            }
        }
        out
    }

    /// The events after `after` (rewound two seconds), for one subscription or all.
    async fn catch_up(&mut self, after: &str, only: Option<&str>) -> Vec<String> {
        let mut cursor = rewind(after);
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for _ in 0..20 {
            let Ok(page) = self.db.events_after(&cursor, 500).await else {
                break;
            };
            let Some(last) = page.events.last() else {
                break;
            };
            cursor = last.id.clone();
            for ev in &page.events {
                if !seen.insert(ev.id.clone()) {
                    continue;
                }
                if ev.kind == EventKind::Access {
                    self.perms = self.reload().await;
                    continue;
                }
                if ev.kind == EventKind::Typing {
                    // Who was writing a while ago is news no more.
                    continue;
                }
                let Some(perms) = &self.perms else { continue };
                for (sub, view) in &self.subs {
                    if only.is_some_and(|o| o != sub) {
                        continue;
                    }
                    let how = delivery(view, perms, ev);
                    if !matches!(how, Delivery::Nothing) {
                        out.push(event_json(sub, &event_body(ev, &how, perms)));
                    }
                }
            }
            if !page.more {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_first_recheck_at_spread_out_points_of_the_first_period() {
        let firsts: Vec<Duration> = (0..200).map(|_| first_recheck()).collect();
        assert!(firsts.iter().all(|d| *d >= RECHECK / 10 && *d < RECHECK));
        // Spread over the period, not bunched: some in each of its first and last thirds.
        assert!(firsts.iter().any(|d| *d < RECHECK / 3));
        assert!(firsts.iter().any(|d| *d > RECHECK * 2 / 3));
    }
}

//! The inbox's side of Cloud API connections: their channel, opened with the connection's
//! secrets; the `whatsapp.webhook` job that turns a verified webhook delivery into the
//! inbox's events (customers' files fetched from Meta and kept like other media); and the
//! number's check against the Graph API.

use std::sync::{Arc, Weak};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tucan_bus::{Job, JobError, JobHandler, Lane, NewJob};
use tucan_channels::cloud_api::{CloudApi, CloudApiConfig, Notification, NumberInfo};
use tucan_channels::{ChannelError, ChannelEvent, ChannelSink, IncomingFile, SinkError};
use tucan_model::ticket::{
    ChannelKind, CloudApiSettings, Connection, DEFAULT_GRAPH_URL, Message, MessageKind,
    MessageStatus, MessageTemplate, TemplateUse, Ticket, TicketStatus, template_variables,
};
use tucan_store::{CloudSettings, OutgoingWrite, TenantDb};

use crate::Inbox;
use crate::error::{InboxError, InboxResult};

/// The job that reads a Cloud API webhook delivery (its signature already checked).
pub const WEBHOOK_KIND: &str = "whatsapp.webhook";

#[derive(Debug, Serialize, Deserialize)]
struct WebhookPayload {
    connection_id: String,
    /// The delivery's body, as Meta sent it.
    body: String,
}

impl Inbox {
    /// Seal a connection's Cloud API settings for storage: secrets given are sealed for the
    /// connection, left-out ones kept from `saved`, the verify token made up when none is
    /// given, the Graph URL checked against the outbound guard.
    pub fn seal_cloud_settings(
        &self,
        connection_id: &str,
        given: &CloudApiSettings,
        saved: Option<&CloudSettings>,
    ) -> InboxResult<CloudSettings> {
        let key = self.opts.secret_key.as_ref().ok_or_else(|| {
            InboxError::Channel("this server has no secrets key to keep the settings".into())
        })?;
        let id_ok =
            |v: &str| !v.is_empty() && v.len() <= 40 && v.bytes().all(|b| b.is_ascii_digit());
        if !id_ok(&given.phone_number_id) {
            return Err(InboxError::InvalidField(
                "cloud_api.phone_number_id: the number's id in WhatsApp Manager, digits only"
                    .into(),
            ));
        }
        if !id_ok(&given.waba_id) {
            return Err(InboxError::InvalidField(
                "cloud_api.waba_id: the WhatsApp Business Account's id, digits only".into(),
            ));
        }
        // A new Graph URL takes the secrets anew: the saved token never follows the URL to a
        // host it was not given for.
        let moved = given
            .graph_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/'))
            .filter(|u| !u.is_empty())
            .is_some_and(|u| saved.is_some_and(|s| s.graph_url != u));
        let saved = if moved { None } else { saved };
        let secret = |field: &str, value: &Option<String>, saved: Option<&String>| match (
            value.as_deref().map(str::trim).filter(|v| !v.is_empty()),
            saved,
        ) {
            (Some(v), _) => Ok(key.seal(connection_id, v)),
            (None, Some(s)) => Ok(s.clone()),
            (None, None) => Err(InboxError::InvalidField(format!(
                "cloud_api.{field} is required"
            ))),
        };
        let graph_url = match (&given.graph_url, saved) {
            (Some(u), _) if !u.trim().is_empty() => {
                let u = u.trim().trim_end_matches('/').to_string();
                self.http.check_url(&u).map_err(|why| {
                    InboxError::InvalidField(format!("cloud_api.graph_url: {why}"))
                })?;
                u
            }
            (_, Some(s)) => s.graph_url.clone(),
            _ => DEFAULT_GRAPH_URL.to_string(),
        };
        let verify_token = match (&given.verify_token, saved) {
            (Some(t), _) => t.clone(),
            (None, Some(s)) => s.verify_token.clone(),
            (None, None) => tucan_model::ids::new_id(),
        };
        Ok(CloudSettings {
            phone_number_id: given.phone_number_id.clone(),
            waba_id: given.waba_id.clone(),
            graph_url,
            verify_token,
            access_token: secret(
                "access_token",
                &given.access_token,
                saved.map(|s| &s.access_token),
            )?,
            app_secret: secret(
                "app_secret",
                &given.app_secret,
                saved.map(|s| &s.app_secret),
            )?,
        })
    }

    /// The Cloud API channel of `conn`, its secrets opened with the server's key.
    pub async fn cloud_api(&self, db: &TenantDb, conn: &Connection) -> InboxResult<CloudApi> {
        if conn.kind != ChannelKind::CloudApi {
            return Err(InboxError::InvalidParam(
                "the connection is not a Cloud API number".into(),
            ));
        }
        let stored = db.cloud_settings(&conn.id).await?.ok_or_else(|| {
            InboxError::Channel("the connection has no Cloud API settings".into())
        })?;
        let key = self.opts.secret_key.as_ref().ok_or_else(|| {
            InboxError::Channel("this server has no secrets key to open the settings".into())
        })?;
        let open = |sealed: &str| {
            key.open(&conn.id, sealed)
                .map_err(|e| InboxError::Channel(e.to_string()))
        };
        let sink: Weak<dyn ChannelSink> = self.me.clone();
        Ok(CloudApi {
            tenant: db.tenant_id().to_string(),
            connection_id: conn.id.clone(),
            config: CloudApiConfig {
                phone_number_id: stored.phone_number_id,
                waba_id: stored.waba_id,
                access_token: open(&stored.access_token)?,
                app_secret: open(&stored.app_secret)?,
                verify_token: stored.verify_token,
                graph_url: stored.graph_url,
            },
            http: self.http.client().clone(),
            sink,
        })
    }

    /// The number as Meta knows it: its name and quality, or Meta's exact error.
    pub async fn verify_cloud_api(
        &self,
        db: &TenantDb,
        conn: &Connection,
    ) -> InboxResult<NumberInfo> {
        self.cloud_api(db, conn)
            .await?
            .verify()
            .await
            .map_err(|e| InboxError::Channel(e.to_string()))
    }

    /// Bring a Cloud API number's templates from its Meta account; returns them.
    pub async fn sync_templates(
        &self,
        db: &TenantDb,
        conn: &Connection,
    ) -> InboxResult<Vec<MessageTemplate>> {
        let synced = self
            .cloud_api(db, conn)
            .await?
            .templates()
            .await
            .map_err(|e| InboxError::Channel(e.to_string()))?;
        let now = chrono::Utc::now();
        let templates: Vec<MessageTemplate> = synced
            .into_iter()
            .filter(|t| !t.name.is_empty() && !t.language.is_empty())
            .map(|t| MessageTemplate {
                connection_id: conn.id.clone(),
                variables: template_variables(&t.body),
                name: t.name,
                language: t.language,
                status: t.status,
                category: t.category,
                body: t.body,
                unsupported: t.unsupported,
                synced_at: now,
            })
            .collect();
        db.replace_templates(&conn.id, &templates).await?;
        Ok(db.list_templates(&conn.id).await?)
    }

    /// An agent sends an approved template on a ticket of a Cloud API number, its variables
    /// filled: the one message that reaches a customer outside the 24-hour window.
    pub async fn send_template(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        user_id: &str,
        t: &TemplateUse,
    ) -> InboxResult<Message> {
        self.send_template_once(db, ticket_id, user_id, t, None)
            .await
    }

    /// [`Inbox::send_template`] under `dedupe_key`: a second call with the key answers the
    /// first message and sends nothing.
    pub(crate) async fn send_template_once(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        user_id: &str,
        t: &TemplateUse,
        dedupe_key: Option<&str>,
    ) -> InboxResult<Message> {
        let ticket = db.get_ticket(ticket_id).await?;
        if ticket.status == TicketStatus::Closed {
            return Err(InboxError::TicketState("the ticket is closed".into()));
        }
        let conn = db.get_connection(&ticket.connection_id).await?;
        let template = self.approved_template(db, &conn, t).await?;
        let message = db
            .create_outgoing(&OutgoingWrite {
                ticket_id: ticket_id.to_string(),
                kind: Some(MessageKind::Text),
                body: template.render(&t.variables),
                template: Some(t.clone()),
                user_id: Some(user_id.to_string()),
                mark_read: true,
                dedupe_key: dedupe_key.map(str::to_string),
                ..Default::default()
            })
            .await?;
        self.queue_send(db, &message).await?;
        Ok(message)
    }

    /// The number's approved template `t` names, if its variables fit it and the platform
    /// can send it.
    pub async fn approved_template(
        &self,
        db: &TenantDb,
        conn: &Connection,
        t: &TemplateUse,
    ) -> InboxResult<MessageTemplate> {
        if conn.kind != ChannelKind::CloudApi {
            return Err(InboxError::InvalidField(
                "templates are for Cloud API numbers".into(),
            ));
        }
        let template = db
            .get_template(&conn.id, &t.name, &t.language)
            .await?
            .ok_or_else(|| {
                InboxError::InvalidField(format!(
                    "no template {} ({}) on this number; sync its templates from Meta",
                    t.name, t.language
                ))
            })?;
        if template.status != "APPROVED" {
            return Err(InboxError::InvalidField(format!(
                "template {} is {}, not approved",
                t.name,
                template.status.to_lowercase()
            )));
        }
        if let Some(why) = &template.unsupported {
            return Err(InboxError::InvalidField(format!(
                "template {} has {why}, which this platform does not send yet",
                t.name
            )));
        }
        // Meta refuses values with line breaks, tabs or more than four spaces in a row.
        let fit =
            |v: &String| !v.trim().is_empty() && !v.contains(['\n', '\t']) && !v.contains("     ");
        if t.variables.len() != template.variables as usize || !t.variables.iter().all(fit) {
            return Err(InboxError::InvalidField(format!(
                "template {} takes {} variable(s), none empty or with line breaks, tabs or runs of spaces",
                t.name, template.variables
            )));
        }
        Ok(template)
    }

    /// `WINDOW_CLOSED` when `ticket`'s number is on the Cloud API and its customer last wrote
    /// there more than 24 hours ago (Meta's customer-service window): free text and files
    /// cannot reach them then.
    pub async fn check_window(&self, db: &TenantDb, ticket: &Ticket) -> InboxResult<()> {
        let conn = db.get_connection(&ticket.connection_id).await?;
        self.check_window_of(db, &conn, &ticket.contact_id).await
    }

    /// [`Inbox::check_window`] for a contact on a connection, before any ticket.
    pub(crate) async fn check_window_of(
        &self,
        db: &TenantDb,
        conn: &Connection,
        contact_id: &str,
    ) -> InboxResult<()> {
        if conn.kind != ChannelKind::CloudApi {
            return Ok(());
        }
        let last = db.last_customer_message_at(contact_id, &conn.id).await?;
        if window_open(last, chrono::Utc::now()) {
            Ok(())
        } else {
            Err(InboxError::WindowClosed)
        }
    }

    /// Take a webhook delivery whose signature was checked: answered at once, read by a job.
    pub async fn queue_webhook(
        &self,
        tenant: &str,
        connection_id: &str,
        body: String,
    ) -> InboxResult<()> {
        let payload = WebhookPayload {
            connection_id: connection_id.to_string(),
            body,
        };
        let job = NewJob::new(
            Lane::Messages,
            WEBHOOK_KIND,
            serde_json::to_value(&payload).expect("a webhook payload is plain data"),
        )
        .tenant(tenant)
        .max_attempts(8);
        self.bus.publish(job).await?;
        Ok(())
    }

    /// Every notification of a delivery, in order; a customer's file is fetched and kept.
    async fn read_webhook(&self, db: &TenantDb, p: &WebhookPayload) -> Result<(), JobError> {
        let conn = match db.get_connection(&p.connection_id).await {
            Ok(c) => c,
            Err(e) if e.refusal().is_some() => {
                return Err(JobError::Fatal(format!("dropped: {e}")));
            }
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        let api = match self.cloud_api(db, &conn).await {
            Ok(api) => api,
            // The database did not answer: the delivery waits rather than being lost.
            Err(e @ InboxError::Store(_)) if e.refusal().is_none() => {
                return Err(JobError::Retry(e.to_string()));
            }
            Err(e) => return Err(JobError::Fatal(format!("dropped: {e}"))),
        };
        let body: serde_json::Value = serde_json::from_str(&p.body)
            .map_err(|e| JobError::Fatal(format!("not a webhook notification: {e}")))?;
        // Meta sends an app's changes to one URL: a change for another of the company's
        // numbers on the same app (the same secret signed it) goes to that number.
        for number in tucan_channels::cloud_api::numbers_in(&body) {
            if number == api.config.phone_number_id {
                self.read_number(db, &api, &body).await?;
                continue;
            }
            let other = match db.connection_by_cloud_number(&number).await {
                Ok(Some(c)) => c,
                Ok(None) => {
                    tracing::info!(connection = %conn.id, number, "a change for a number this company does not have");
                    continue;
                }
                Err(e) => return Err(JobError::Retry(e.to_string())),
            };
            match self.cloud_api(db, &other).await {
                Ok(o) if o.config.app_secret == api.config.app_secret => {
                    self.read_number(db, &o, &body).await?;
                }
                Ok(_) => {
                    tracing::warn!(connection = %other.id, "a change for a number of another Meta app; dropped");
                }
                Err(e @ InboxError::Store(_)) if e.refusal().is_none() => {
                    return Err(JobError::Retry(e.to_string()));
                }
                Err(e) => tracing::warn!(connection = %other.id, error = %e, "a change not read"),
            }
        }
        Ok(())
    }

    /// The notifications of a delivery for `api`'s number, in order.
    async fn read_number(
        &self,
        db: &TenantDb,
        api: &CloudApi,
        body: &serde_json::Value,
    ) -> Result<(), JobError> {
        let tenant = db.tenant_id();
        let conn_id = api.connection_id.as_str();
        for n in tucan_channels::cloud_api::notifications(body, &api.config.phone_number_id) {
            let event = match n {
                Notification::Message {
                    mut incoming,
                    media_id,
                } => {
                    if let Some(media_id) = media_id {
                        match api.fetch_media(&media_id, self.opts.max_media_bytes).await {
                            Ok((bytes, mime)) => {
                                incoming.file = Some(IncomingFile {
                                    bytes,
                                    filename: None,
                                });
                                incoming.mime = Some(mime);
                            }
                            Err(ChannelError::Unavailable(why)) => {
                                return Err(JobError::Retry(why));
                            }
                            Err(ChannelError::Rejected(why)) => {
                                incoming.body = format!("{} [file not kept: {why}]", incoming.body)
                                    .trim()
                                    .to_string();
                            }
                        }
                    }
                    ChannelEvent::Message(incoming)
                }
                Notification::Status {
                    channel_id,
                    status: MessageStatus::Failed,
                    error,
                } => ChannelEvent::Failed {
                    channel_id,
                    reason: error.unwrap_or_else(|| "Meta could not deliver it".into()),
                },
                Notification::Status {
                    channel_id, status, ..
                } => ChannelEvent::Receipt { channel_id, status },
            };
            match self.channel_event(tenant, conn_id, event).await {
                Ok(_) => {}
                Err(SinkError::Refused(p)) => {
                    tracing::info!(connection = conn_id, problem = %p, "webhook notification refused");
                }
                Err(SinkError::Failed(why)) => return Err(JobError::Retry(why)),
            }
        }
        Ok(())
    }
}

/// Whether Meta's customer-service window is open at `now` for a customer who last wrote at
/// `last`: 24 hours from their last message.
fn window_open(
    last: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    last.is_some_and(|at| now - at < chrono::Duration::hours(24))
}

pub(crate) struct WebhookJob(pub(crate) Arc<Inbox>);

#[async_trait]
impl JobHandler for WebhookJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a webhook job needs a tenant".into()))?;
        let p: WebhookPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {WEBHOOK_KIND} payload: {e}")))?;
        let db = self
            .0
            .store
            .tenant(tenant)
            .await
            .map_err(|e| JobError::Fatal(format!("dropped: {e}")))?;
        self.0.read_webhook(&db, &p).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::window_open;

    #[test]
    fn the_window_is_the_24_hours_after_the_customers_last_message() {
        let now = Utc::now();
        assert!(window_open(Some(now - Duration::hours(23)), now));
        assert!(!window_open(Some(now - Duration::hours(24)), now));
        assert!(!window_open(Some(now - Duration::days(3)), now));
        assert!(!window_open(None, now), "a customer who never wrote");
    }
}

//! Scheduled messages: text, a file or a template to a contact from one of the company's
//! numbers (or on one ticket), once or every day, week or month at the same wall-clock time
//! in the company's time zone. Each send is a durable timer named by the message and its
//! revision (`smsg:<tenant>:<id>:<rev>`); an edit or a cancel moves to a new revision, so an
//! older timer finds nothing to do. A send goes through the normal outbound path: on the
//! contact's live ticket on the number, or on a new one opened for whoever scheduled it.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use tucan_bus::{Job, JobError, JobHandler, Lane, NewJob};
use tucan_model::schedule::{NewSchedule, Repeat, SchedulePatch, ScheduleStatus, ScheduledMessage};
use tucan_model::ticket::{Message, NewMessage, TemplateUse, TicketStatus};
use tucan_store::{Opening, ScheduleEdit, ScheduleRow, ScheduleTurn, TenantDb};

use crate::Inbox;
use crate::actions::Sending;
use crate::conversations::Opener;
use crate::error::{InboxError, InboxResult};

/// The job a scheduled message's timer publishes.
pub const SCHEDULED_KIND: &str = "message.scheduled";

/// Catching up after downtime skips the sends that came due meanwhile; this many at most.
const MAX_SKIPPED: u32 = 10_000;

#[derive(Debug, Serialize, Deserialize)]
struct ScheduledPayload {
    id: String,
    #[serde(default)]
    rev: u32,
}

fn timer_name(tenant: &str, id: &str, rev: u32) -> String {
    format!("smsg:{tenant}:{id}:{rev}")
}

/// What a scheduled message sends.
struct Content<'a> {
    body: &'a str,
    media_id: Option<&'a str>,
    template: Option<&'a TemplateUse>,
}

impl Inbox {
    /// Send `body` on the ticket at `send_at`, once.
    pub async fn schedule_on_ticket(
        &self,
        db: &TenantDb,
        ticket_id: &str,
        user_id: &str,
        body: &str,
        send_at: DateTime<Utc>,
    ) -> InboxResult<ScheduledMessage> {
        let ticket = db.get_ticket(ticket_id).await?;
        if ticket.status == TicketStatus::Closed {
            return Err(InboxError::TicketState("the ticket is closed".into()));
        }
        check_times(send_at, Repeat::None, None)?;
        let row = ScheduleRow {
            ticket_id: Some(ticket.id.clone()),
            contact_id: ticket.contact_id.clone(),
            contact_name: ticket.contact_name.clone(),
            connection_id: ticket.connection_id.clone(),
            body: body.to_string(),
            media_id: None,
            template: None,
            send_at,
            repeat: Repeat::None,
            repeat_until: None,
            user_id: user_id.to_string(),
        };
        let s = db.create_scheduled(&row).await?;
        self.arm_scheduled(db, &s.id, 0, send_at).await?;
        Ok(s)
    }

    /// Schedule a message to a contact from one of the company's numbers.
    pub async fn schedule(
        &self,
        db: &TenantDb,
        user_id: &str,
        req: &NewSchedule,
    ) -> InboxResult<ScheduledMessage> {
        let contact = db.get_contact(&req.contact_id).await?;
        let content = Content {
            body: &req.body,
            media_id: req.media_id.as_deref(),
            template: req.template.as_ref(),
        };
        self.check_content(db, &req.connection_id, user_id, &content)
            .await?;
        check_times(req.send_at, req.repeat, req.repeat_until)?;
        let row = ScheduleRow {
            ticket_id: None,
            contact_id: contact.id.clone(),
            contact_name: contact.name.clone(),
            connection_id: req.connection_id.clone(),
            body: req.body.trim().to_string(),
            media_id: req.media_id.clone(),
            template: req.template.clone(),
            send_at: req.send_at,
            repeat: req.repeat,
            repeat_until: req.repeat_until,
            user_id: user_id.to_string(),
        };
        let s = db.create_scheduled(&row).await?;
        self.arm_scheduled(db, &s.id, 0, s.send_at).await?;
        Ok(s)
    }

    /// Change a message that has not gone for good; `user_id` is who edits it (a new file
    /// must be theirs).
    pub async fn edit_schedule(
        &self,
        db: &TenantDb,
        id: &str,
        user_id: &str,
        patch: &SchedulePatch,
    ) -> InboxResult<ScheduledMessage> {
        let s = db.get_scheduled(id).await?;
        if s.status != ScheduleStatus::Scheduled {
            return Err(gone());
        }
        let body = patch.body.clone().unwrap_or(s.body.clone());
        let media_id = match patch.media_id.as_deref() {
            Some("") => None,
            Some(m) => Some(m.to_string()),
            None => s.media_id.clone(),
        };
        let template = match (&patch.template, patch.clear_template.unwrap_or(false)) {
            (Some(t), _) => Some(t.clone()),
            (None, true) => None,
            (None, false) => s.template.clone(),
        };
        let connection_id = patch
            .connection_id
            .clone()
            .unwrap_or(s.connection_id.clone());
        if s.ticket_id.is_some() && connection_id != s.connection_id {
            return Err(InboxError::InvalidField(
                "a message scheduled on a ticket goes from the ticket's number".into(),
            ));
        }
        let content = Content {
            body: &body,
            media_id: media_id.as_deref(),
            template: template.as_ref(),
        };
        // A file already on the message may stay, whoever uploaded it.
        let new_file = media_id.is_some() && media_id != s.media_id;
        let checker = if new_file { user_id } else { "" };
        self.check_content(db, &connection_id, checker, &content)
            .await?;
        let send_at = patch.send_at.unwrap_or(s.send_at);
        let repeat = patch.repeat.unwrap_or(s.repeat);
        let repeat_until = match (
            patch.repeat_until,
            patch.clear_repeat_until.unwrap_or(false),
        ) {
            (Some(u), _) => Some(u),
            (None, true) => None,
            (None, false) => s.repeat_until,
        };
        if s.ticket_id.is_some() && repeat != Repeat::None {
            return Err(InboxError::InvalidField(
                "a message scheduled on a ticket goes once".into(),
            ));
        }
        // A time kept as it was may have just passed (the send is on its way).
        if patch.send_at.is_some() {
            check_times(send_at, repeat, repeat_until)?;
        } else {
            check_end(send_at, repeat, repeat_until)?;
        }
        let contact_name = match db.get_contact(&s.contact_id).await {
            Ok(c) => c.name,
            Err(_) => s.contact_name.clone(),
        };
        let edit = ScheduleEdit {
            contact_name,
            connection_id,
            body: body.trim().to_string(),
            media_id,
            template,
            send_at,
            repeat,
            repeat_until,
        };
        let old = db.scheduled_clock(id).await?;
        let rev = db.edit_scheduled(id, &edit).await?.ok_or_else(gone)?;
        self.disarm_scheduled(db, id, old.rev).await;
        self.arm_scheduled(db, id, rev, send_at).await?;
        Ok(db.get_scheduled(id).await?)
    }

    /// Cancel a scheduled message that has not gone for good.
    pub async fn cancel_scheduled(&self, db: &TenantDb, id: &str) -> InboxResult<ScheduledMessage> {
        let old = db.scheduled_clock(id).await?;
        if !db.cancel_scheduled(id).await? {
            return Err(gone());
        }
        self.disarm_scheduled(db, id, old.rev).await;
        Ok(db.get_scheduled(id).await?)
    }

    /// What a scheduled message sends can go from the number: a body, a file or both, or an
    /// approved template of a Cloud API number; a file given now is `user_id`'s upload
    /// (none is checked when `user_id` is empty).
    async fn check_content(
        &self,
        db: &TenantDb,
        connection_id: &str,
        user_id: &str,
        c: &Content<'_>,
    ) -> InboxResult<()> {
        let conn = db.get_connection(connection_id).await?;
        match Opener::of(c.body, c.media_id, c.template)? {
            Opener::Template(t) => {
                self.approved_template(db, &conn, t).await?;
            }
            Opener::Text { media_id, .. } => {
                if let Some(m) = media_id
                    && !user_id.is_empty()
                {
                    let file = db.get_media(m).await.map_err(|_| unknown_media())?;
                    if file.created_by != user_id {
                        return Err(unknown_media());
                    }
                }
            }
        }
        Ok(())
    }

    async fn arm_scheduled(
        &self,
        db: &TenantDb,
        id: &str,
        rev: u32,
        at: DateTime<Utc>,
    ) -> InboxResult<()> {
        let name = timer_name(db.tenant_id(), id, rev);
        let payload = serde_json::to_value(ScheduledPayload {
            id: id.to_string(),
            rev,
        })
        .expect("plain payload");
        let job = NewJob::new(Lane::Messages, SCHEDULED_KIND, payload)
            .tenant(db.tenant_id())
            .key(name.clone());
        self.runtime
            .timers()
            .schedule(&name, at.timestamp_millis(), &job)
            .await?;
        Ok(())
    }

    /// Remove an older revision's timer (it would find nothing to do; this saves the job).
    async fn disarm_scheduled(&self, db: &TenantDb, id: &str, rev: u32) {
        let name = timer_name(db.tenant_id(), id, rev);
        if let Err(e) = self.runtime.timers().cancel(&name).await {
            tracing::debug!(timer = %name, error = %e, "old timer kept; it will find nothing to do");
        }
    }

    /// The send a timer came due for: made (or its failure recorded), then the next one set.
    /// A timer of an older revision sees that the message moved on and only makes sure the
    /// current revision's timer exists.
    async fn send_scheduled(&self, db: &TenantDb, id: &str, rev: u32) -> InboxResult<()> {
        let s = db.get_scheduled(id).await?;
        let clock = db.scheduled_clock(id).await?;
        if s.status != ScheduleStatus::Scheduled {
            return Ok(());
        }
        if clock.rev != rev {
            return self.arm_scheduled(db, id, clock.rev, s.send_at).await;
        }
        let (sent, ends) = match self.send_due(db, &s, clock.slot).await {
            Ok(m) => (Ok(m.id), false),
            // The contact, the number or the ticket is gone: nothing more can go.
            Err(e) if e.is_not_found() => (Err(e.to_string()), true),
            Err(e) => match e.refusal() {
                Some(why) => (Err(why), s.ticket_id.is_some()),
                None => return Err(e),
            },
        };
        if let Err(why) = &sent {
            tracing::info!(scheduled = id, reason = %why, "scheduled message not sent");
        }
        let (next, slot) = if ends {
            (None, clock.slot + 1)
        } else {
            let tz = self.company_zone(db).await?;
            next_send(&s, clock.first_at, clock.slot, tz, Utc::now())
        };
        let turn = ScheduleTurn { sent, next, slot };
        if let (Some(rev), Some(at)) = (db.turn_scheduled(id, rev, &turn).await?, next) {
            self.arm_scheduled(db, id, rev, at).await?;
        }
        Ok(())
    }

    /// One send of a scheduled message, under a key of its slot so a redelivered job does
    /// not send it twice.
    async fn send_due(
        &self,
        db: &TenantDb,
        s: &ScheduledMessage,
        slot: u32,
    ) -> InboxResult<Message> {
        let key = format!("scheduled:{}:{slot}", s.id);
        let ticket = match &s.ticket_id {
            Some(t) => {
                let ticket = db.get_ticket(t).await?;
                if ticket.status == TicketStatus::Closed {
                    return Err(InboxError::TicketState(
                        "the ticket was closed before the message went".into(),
                    ));
                }
                ticket
            }
            None => {
                let contact = db.get_contact(&s.contact_id).await?;
                let conn = db.get_connection(&s.connection_id).await?;
                // Answers reach whoever scheduled it, while they are a user here.
                let owner = db.users().get_row(&s.user_id).await.ok().map(|u| u.id);
                let actor = format!("user:{}", s.user_id);
                let (ticket, opened) = db
                    .open_conversation(&Opening {
                        contact: &contact,
                        connection_id: &conn.id,
                        user_id: owner.as_deref(),
                        queue_id: conn.default_queue_id.as_deref(),
                        actor: &actor,
                    })
                    .await?;
                if opened && let Err(e) = self.arm_autoclose(db, &ticket).await {
                    tracing::warn!(ticket = %ticket.id, error = %e, "auto-close not set");
                }
                ticket
            }
        };
        if let Some(t) = &s.template {
            return self
                .send_template_once(db, &ticket.id, &s.user_id, t, Some(&key))
                .await;
        }
        let body = self
            .fill_quick_reply(db, &ticket.id, &s.user_id, &s.body)
            .await?;
        let msg = NewMessage {
            body,
            media_id: s.media_id.clone(),
            quoted_id: None,
            sign: None,
        };
        let how = Sending {
            signer: None,
            dedupe_key: Some(&key),
            reuse_media: true,
        };
        self.send_as(db, &ticket.id, &s.user_id, &msg, how).await
    }

    async fn company_zone(&self, db: &TenantDb) -> InboxResult<Tz> {
        let settings = self.runtime.settings_of(db).await?;
        Ok(settings.timezone.parse().unwrap_or(Tz::UTC))
    }
}

/// The next send after `slot` that is still ahead of `now` (sends missed while the platform
/// was down are skipped, not sent in a burst), within `repeat_until`; and its slot.
fn next_send(
    s: &ScheduledMessage,
    first_at: DateTime<Utc>,
    slot: u32,
    tz: Tz,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, u32) {
    let mut next = slot + 1;
    loop {
        match s.repeat.occurrence(first_at, next, tz) {
            Some(at) if at <= now && next - slot < MAX_SKIPPED => next += 1,
            Some(at) if s.repeat_until.is_none_or(|u| at <= u) => return (Some(at), next),
            _ => return (None, next),
        }
    }
}

/// A first send ahead of now, and an end after it.
fn check_times(
    send_at: DateTime<Utc>,
    repeat: Repeat,
    until: Option<DateTime<Utc>>,
) -> InboxResult<()> {
    if send_at <= Utc::now() {
        return Err(InboxError::InvalidField(
            "send_at must be in the future".into(),
        ));
    }
    check_end(send_at, repeat, until)
}

/// An end only for a repeating message, and after its first send.
fn check_end(
    send_at: DateTime<Utc>,
    repeat: Repeat,
    until: Option<DateTime<Utc>>,
) -> InboxResult<()> {
    if let Some(u) = until {
        if repeat == Repeat::None {
            return Err(InboxError::InvalidField(
                "repeat_until is for a message that repeats".into(),
            ));
        }
        if u < send_at {
            return Err(InboxError::InvalidField(
                "repeat_until must come after send_at".into(),
            ));
        }
    }
    Ok(())
}

fn gone() -> InboxError {
    InboxError::TicketState("the message has already been sent or cancelled".into())
}

fn unknown_media() -> InboxError {
    InboxError::InvalidField("unknown media id".into())
}

pub(crate) struct ScheduledJob(pub(crate) Arc<Inbox>);

#[async_trait]
impl JobHandler for ScheduledJob {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        let tenant = job
            .tenant
            .as_deref()
            .ok_or_else(|| JobError::Fatal("a scheduled message job needs a tenant".into()))?;
        let p: ScheduledPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Fatal(format!("invalid {} payload: {e}", job.kind)))?;
        let retry_or_drop = |e: InboxError| {
            if e.is_not_found() {
                JobError::Fatal(format!("dropped: {e}"))
            } else {
                JobError::Retry(e.to_string())
            }
        };
        let db = self
            .0
            .store
            .tenant(tenant)
            .await
            .map_err(|e| retry_or_drop(e.into()))?;
        self.0
            .send_scheduled(&db, &p.id, p.rev)
            .await
            .map_err(retry_or_drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn weekly(until: Option<DateTime<Utc>>) -> ScheduledMessage {
        ScheduledMessage {
            id: "x".into(),
            ticket_id: None,
            contact_id: "c".into(),
            contact_name: String::new(),
            connection_id: "n".into(),
            body: "hi".into(),
            media_id: None,
            template: None,
            send_at: at("2026-01-05T12:00:00Z"),
            repeat: Repeat::Weekly,
            repeat_until: until,
            status: ScheduleStatus::Scheduled,
            sent_count: 0,
            message_id: None,
            last_error: None,
            user_id: "u".into(),
            created_at: at("2026-01-01T00:00:00Z"),
        }
    }

    #[test]
    fn sends_missed_while_down_are_skipped() {
        let s = weekly(None);
        let first = s.send_at;
        // Down from the first send until just after the fourth would have gone.
        let now = at("2026-01-26T13:00:00Z");
        assert_eq!(
            next_send(&s, first, 0, Tz::UTC, now),
            (Some(at("2026-02-02T12:00:00Z")), 4)
        );
        assert_eq!(
            next_send(&s, first, 0, Tz::UTC, at("2026-01-05T12:00:01Z")),
            (Some(at("2026-01-12T12:00:00Z")), 1)
        );
    }

    #[test]
    fn repeating_ends_at_its_until() {
        let s = weekly(Some(at("2026-01-12T12:00:00Z")));
        let first = s.send_at;
        let now = at("2026-01-05T12:00:01Z");
        assert_eq!(
            next_send(&s, first, 0, Tz::UTC, now),
            (Some(at("2026-01-12T12:00:00Z")), 1)
        );
        assert_eq!(next_send(&s, first, 1, Tz::UTC, now).0, None);
    }
}

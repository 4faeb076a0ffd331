//! What campaigns ask of the inbox: one recipient's message on the number the campaign gave
//! them (the customer's live ticket there, or a new one waiting in the number's queue), once
//! per recipient, and the ticket a flow campaign's run talks on; on a Cloud API number whose
//! customer's 24-hour window is closed, the campaign's template instead; and a customer who
//! answers with an opt-out word leaving every campaign.

use tucan_engine::TicketEventKind;
use tucan_model::ticket::{Media, Message, MessageKind, TemplateUse, Ticket};
use tucan_store::{Opening, OutgoingWrite, TenantDb};

use crate::Inbox;
use crate::error::{InboxError, InboxResult};

/// A campaign's message to one recipient.
#[derive(Debug, Clone, Copy)]
pub struct CampaignSend<'a> {
    pub campaign_id: &'a str,
    pub seq: u64,
    pub contact_id: &'a str,
    pub connection_id: &'a str,
    /// The variant's text, templated for the contact here.
    pub text: &'a str,
    /// A file sent with it (the text is its caption).
    pub media_id: Option<&'a str>,
    /// Sent instead (its variables templated for the contact) when the number is on the
    /// Cloud API and the customer's window is closed.
    pub template: Option<&'a TemplateUse>,
}

/// A recipient's ticket, and whether only a template reaches them now.
struct Opened {
    ticket: Ticket,
    window_closed: bool,
}

impl Inbox {
    /// The contact's ticket on the number, opened (waiting in the number's queue) when
    /// there is none; on a Cloud API number whose customer's 24-hour window is closed, a
    /// campaign without a template is refused (`WINDOW_CLOSED`).
    async fn open_for_campaign(&self, db: &TenantDb, s: &CampaignSend<'_>) -> InboxResult<Opened> {
        let conn = db.get_connection(s.connection_id).await?;
        let contact = db.get_contact(s.contact_id).await?;
        let window_closed = match self.check_window_of(db, &conn, &contact.id).await {
            Ok(()) => false,
            Err(InboxError::WindowClosed) if s.template.is_some() => true,
            Err(e) => return Err(e),
        };
        let actor = format!("campaign:{}", s.campaign_id);
        let (ticket, opened) = db
            .open_conversation(&Opening {
                contact: &contact,
                connection_id: &conn.id,
                user_id: None,
                queue_id: conn.default_queue_id.as_deref(),
                actor: &actor,
            })
            .await?;
        if opened {
            self.announce_ticket(db, &ticket, TicketEventKind::Opened)
                .await;
        }
        Ok(Opened {
            ticket,
            window_closed,
        })
    }

    /// The ticket a flow campaign's run talks on; when the customer's window is closed, the
    /// campaign's template goes first (once per recipient) and is returned with it.
    pub async fn campaign_ticket(
        &self,
        db: &TenantDb,
        s: &CampaignSend<'_>,
    ) -> InboxResult<(Ticket, Option<Message>)> {
        let opened = self.open_for_campaign(db, s).await?;
        let opener = match (opened.window_closed, s.template) {
            (true, Some(t)) => Some(self.campaign_template(db, s, &opened.ticket, t).await?),
            _ => None,
        };
        if opener.is_none() {
            db.mark_campaign_ticket(&opened.ticket.id, s.campaign_id, s.seq)
                .await?;
        }
        Ok((opened.ticket, opener))
    }

    /// Send one recipient's message; a second call for the same recipient sends nothing and
    /// returns the first message.
    pub async fn send_campaign_message(
        &self,
        db: &TenantDb,
        s: &CampaignSend<'_>,
    ) -> InboxResult<Message> {
        let Opened {
            ticket,
            window_closed,
        } = self.open_for_campaign(db, s).await?;
        if window_closed && let Some(t) = s.template {
            return self.campaign_template(db, s, &ticket, t).await;
        }
        let text = self.fill_quick_reply(db, &ticket.id, "", s.text).await?;
        let (kind, media) = match s.media_id {
            Some(id) => {
                let m = db
                    .get_media(id)
                    .await
                    .map_err(|_| InboxError::InvalidField("the campaign's file is gone".into()))?;
                (
                    tucan_channels::media::kind_of(&m.mime),
                    Some(Media {
                        id: Some(m.id.clone()),
                        url: None,
                        mime: m.mime.clone(),
                        filename: m.filename.clone(),
                        size: m.size,
                    }),
                )
            }
            None => (MessageKind::Text, None),
        };
        if text.trim().is_empty() && media.is_none() {
            return Err(InboxError::InvalidField(
                "the message is empty for this contact".into(),
            ));
        }
        let message = db
            .create_outgoing(&OutgoingWrite {
                ticket_id: ticket.id.clone(),
                kind: Some(kind),
                body: text.trim().to_string(),
                media,
                dedupe_key: Some(campaign_key(s)),
                allow_closed: true,
                campaign: Some((s.campaign_id.to_string(), s.seq)),
                ..Default::default()
            })
            .await?;
        self.queue_send(db, &message).await?;
        Ok(message)
    }

    /// The campaign's template to one recipient, its variables filled for the contact.
    async fn campaign_template(
        &self,
        db: &TenantDb,
        s: &CampaignSend<'_>,
        ticket: &Ticket,
        t: &TemplateUse,
    ) -> InboxResult<Message> {
        let mut filled = t.clone();
        for v in filled.variables.iter_mut() {
            *v = self.fill_quick_reply(db, &ticket.id, "", v).await?;
        }
        let conn = db.get_connection(&ticket.connection_id).await?;
        let template = self.approved_template(db, &conn, &filled).await?;
        let message = db
            .create_outgoing(&OutgoingWrite {
                ticket_id: ticket.id.clone(),
                kind: Some(MessageKind::Text),
                body: template.render(&filled.variables),
                template: Some(filled),
                dedupe_key: Some(campaign_key(s)),
                allow_closed: true,
                campaign: Some((s.campaign_id.to_string(), s.seq)),
                ..Default::default()
            })
            .await?;
        self.queue_send(db, &message).await?;
        Ok(message)
    }

    /// A customer who sends one of the company's opt-out words alone leaves its campaigns.
    pub(crate) async fn opt_out_if_asked(
        &self,
        db: &TenantDb,
        m: &tucan_model::ticket::Message,
    ) -> InboxResult<()> {
        if m.body.len() > 40 {
            return Ok(());
        }
        let settings = self.runtime.settings_of(db).await?;
        let words: Vec<String> =
            tucan_model::settings::value_of(&settings.stored, "opt_out_keywords")
                .as_str()
                .unwrap_or_default()
                .split(',')
                .map(|w| w.trim().to_string())
                .filter(|w| !w.is_empty())
                .collect();
        if tucan_model::campaign::is_opt_out(&m.body, &words) {
            db.set_opted_out(&m.contact_id, true).await?;
            tracing::info!(contact = %m.contact_id, "the contact opted out of campaigns");
        }
        Ok(())
    }
}

/// One message per recipient: the key a second send of it finds the first by.
fn campaign_key(s: &CampaignSend<'_>) -> String {
    format!("campaign:{}:{}", s.campaign_id, s.seq)
}

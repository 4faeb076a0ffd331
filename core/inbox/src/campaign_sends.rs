//! What campaigns ask of the inbox: one recipient's message on the number the campaign gave
//! them (the customer's live ticket there, or a new one waiting in the number's queue), once
//! per recipient, and the ticket a flow campaign's run talks on; and a customer who answers
//! with an opt-out word leaving every campaign.

use tucan_engine::TicketEventKind;
use tucan_model::ticket::{ChannelKind, Media, Message, MessageKind, Ticket};
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
}

impl Inbox {
    /// The contact's ticket on the number, opened (waiting in the number's queue) when
    /// there is none; a Cloud API number refuses when the customer's 24-hour window is
    /// closed (`WINDOW_CLOSED`).
    pub async fn campaign_ticket(
        &self,
        db: &TenantDb,
        campaign_id: &str,
        contact_id: &str,
        connection_id: &str,
    ) -> InboxResult<Ticket> {
        let conn = db.get_connection(connection_id).await?;
        let contact = db.get_contact(contact_id).await?;
        if conn.kind == ChannelKind::CloudApi {
            self.check_window_of(db, &conn, &contact.id).await?;
        }
        let actor = format!("campaign:{campaign_id}");
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
        Ok(ticket)
    }

    /// Send one recipient's message; a second call for the same recipient sends nothing and
    /// returns the first message.
    pub async fn send_campaign_message(
        &self,
        db: &TenantDb,
        s: &CampaignSend<'_>,
    ) -> InboxResult<Message> {
        let ticket = self
            .campaign_ticket(db, s.campaign_id, s.contact_id, s.connection_id)
            .await?;
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
                dedupe_key: Some(format!("campaign:{}:{}", s.campaign_id, s.seq)),
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

//! Contact wallets (the company's `contact_wallets` setting): a contact may belong to an
//! agent (`owner_id`) and a queue (`queue_id`). A new ticket of such a contact goes straight
//! to the owner, open, while they are online (or whenever, as the setting says); otherwise it
//! waits in the wallet's queue, whose strategy hands it out as usual.

use serde_json::json;
use tucan_engine::TicketEventKind;
use tucan_model::ErrorCode;
use tucan_model::settings::value_of;
use tucan_model::ticket::{Ticket, TicketStatus};
use tucan_store::{StoreError, TenantDb, TicketChange};

use crate::Inbox;
use crate::error::InboxResult;

/// How the company routes by wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WalletMode {
    Off,
    /// To the owner while they are online; otherwise to the wallet's queue.
    OwnerOnline,
    /// To the owner, online or not.
    Owner,
}

impl WalletMode {
    fn of(value: &str) -> WalletMode {
        match value {
            "owner_online" => WalletMode::OwnerOnline,
            "owner" => WalletMode::Owner,
            _ => WalletMode::Off,
        }
    }
}

impl Inbox {
    /// Route a ticket just opened by a customer's message by the contact's wallet. Returns
    /// the agent it went to, if one took it.
    pub(crate) async fn route_by_wallet(
        &self,
        db: &TenantDb,
        ticket: &Ticket,
    ) -> InboxResult<Option<String>> {
        if ticket.status != TicketStatus::Pending || ticket.user_id.is_some() {
            return Ok(None);
        }
        let settings = self.runtime.settings_of(db).await?;
        let mode = WalletMode::of(
            value_of(&settings.stored, "contact_wallets")
                .as_str()
                .unwrap_or_default(),
        );
        if mode == WalletMode::Off {
            return Ok(None);
        }
        let contact = db.get_contact(&ticket.contact_id).await?;
        if contact.owner_id.is_none() && contact.queue_id.is_none() {
            return Ok(None);
        }
        let queue_id = contact.queue_id.clone().or(ticket.queue_id.clone());
        let owner = match (&contact.owner_id, mode) {
            (Some(o), WalletMode::Owner) => Some(o.clone()),
            (Some(o), _) => db
                .online_agents(std::slice::from_ref(o))
                .await?
                .into_iter()
                .next()
                .map(|(id, _)| id),
            (None, _) => None,
        };
        let change = match &owner {
            Some(agent) => TicketChange {
                status: Some(TicketStatus::Open),
                user_id: Some(Some(agent.clone())),
                queue_id: Some(queue_id.clone()),
                action: "assigned".into(),
                detail: json!({ "user_id": agent, "queue_id": queue_id, "by": "wallet" }),
                ..wallet_change(ticket)
            },
            None if queue_id != ticket.queue_id => TicketChange {
                queue_id: Some(queue_id.clone()),
                action: "transferred".into(),
                detail: json!({ "queue_id": queue_id, "by": "wallet" }),
                ..wallet_change(ticket)
            },
            None => return Ok(None),
        };
        match db.change_ticket(&change).await {
            Ok(t) => {
                let kind = match owner {
                    Some(_) => TicketEventKind::Accepted,
                    None => TicketEventKind::Transferred,
                };
                self.ticket_event(db, &t, kind).await;
                Ok(owner)
            }
            // An agent took it meanwhile.
            Err(StoreError::Problem(p)) if p.code == ErrorCode::TicketState => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// The part of a wallet's change every route shares: the ticket must still be pending.
fn wallet_change(ticket: &Ticket) -> TicketChange {
    TicketChange {
        ticket_id: ticket.id.clone(),
        allowed: vec![TicketStatus::Pending],
        actor: "system".into(),
        ..Default::default()
    }
}

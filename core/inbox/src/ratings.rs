//! The customer's rating of a closed ticket (the company's `rating_on_close`): closing asks
//! for a score from 1 to 5, in the company's language; the customer's next message on that
//! number answers it when it starts with such a score (the rest is the comment), and goes on
//! the closed ticket; anything else withdraws the request, as does a day without an answer.

use chrono::Duration;
use tucan_model::settings::value_of;
use tucan_model::ticket::Ticket;
use tucan_store::{InboundOutcome, InboundWrite, TenantDb};

use crate::Inbox;
use crate::error::InboxResult;

/// How long a request waits for its answer.
const ANSWER_HOURS: i64 = 24;

/// A rating at the start of `text` ("5", "4 - fast and kind", "3: ok"): the score and what
/// follows it, if anything.
pub(crate) fn parse_rating(text: &str) -> Option<(u8, Option<String>)> {
    let text = text.trim();
    let mut chars = text.chars();
    let score = chars.next()?.to_digit(10)?;
    if !(1..=5).contains(&score) || chars.clone().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let comment: String = chars
        .as_str()
        .trim_start_matches(|c: char| c.is_whitespace() || "-–—:.,;/)".contains(c))
        .trim()
        .chars()
        .take(1000)
        .collect();
    Some((score as u8, (!comment.is_empty()).then_some(comment)))
}

/// The language of a company's customers, from its country.
fn language(country: &str) -> &'static str {
    const PT: &[&str] = &["BR", "PT", "AO", "MZ", "CV", "GW", "ST", "TL"];
    const ES: &[&str] = &[
        "ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU", "BO", "DO", "HN", "PY", "SV",
        "NI", "CR", "PA", "UY", "GQ", "PR",
    ];
    if PT.contains(&country) {
        "pt-BR"
    } else if ES.contains(&country) {
        "es"
    } else {
        "en"
    }
}

fn request_text(language: &str) -> &'static str {
    match language {
        "pt-BR" => {
            "Como você avalia nosso atendimento? Responda com um número de 1 (ruim) a 5 (excelente); se quiser, escreva um comentário depois do número."
        }
        "es" => {
            "¿Cómo calificarías nuestra atención? Responde con un número del 1 (mala) al 5 (excelente); si quieres, escribe un comentario después del número."
        }
        _ => {
            "How would you rate our service? Reply with a number from 1 (poor) to 5 (excellent); you may add a comment after the number."
        }
    }
}

fn thanks_text(language: &str) -> &'static str {
    match language {
        "pt-BR" => "Obrigado pela sua avaliação!",
        "es" => "¡Gracias por tu calificación!",
        _ => "Thank you for your rating!",
    }
}

impl Inbox {
    /// A ticket just closed: ask its customer for a rating when the company wants one.
    pub(crate) async fn ask_rating(&self, db: &TenantDb, ticket: &Ticket) -> InboxResult<()> {
        let settings = self.runtime.settings_of(db).await?;
        if ticket.is_group || value_of(&settings.stored, "rating_on_close") != true {
            return Ok(());
        }
        let country = self
            .store
            .platform()
            .get_tenant(db.tenant_id())
            .await?
            .country;
        let key = format!(
            "rating:{}:{}",
            ticket.id,
            ticket.updated_at.timestamp_millis()
        );
        self.send_system(db, &ticket.id, request_text(language(&country)), Some(key))
            .await?;
        let expires = chrono::Utc::now() + Duration::hours(ANSWER_HOURS);
        db.ask_rating(
            &ticket.id,
            &ticket.contact_id,
            &ticket.connection_id,
            expires,
        )
        .await?;
        Ok(())
    }

    /// The customer's message `w`, with no live ticket on its number: the answer to a rating
    /// request when one waits and the message starts with a score (written on the rated
    /// ticket); `None` when it is an ordinary message (a waiting request is withdrawn).
    pub(crate) async fn rating_answer(
        &self,
        db: &TenantDb,
        w: &InboundWrite,
    ) -> InboxResult<Option<InboundOutcome>> {
        let Some(ticket_id) = db.rating_wait(&w.contact.id, &w.connection_id).await? else {
            return Ok(None);
        };
        let Some((score, comment)) = parse_rating(&w.body) else {
            db.drop_rating_wait(&w.contact.id, &w.connection_id).await?;
            return Ok(None);
        };
        match db.record_rating(w, &ticket_id, score, comment).await {
            Ok(outcome) => Ok(Some(outcome)),
            // Answered or withdrawn a moment ago: an ordinary message.
            Err(e) if e.is_thrown("ticket_moved") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Thank the customer for a rating, once per ticket.
    pub(crate) async fn thank_for_rating(&self, db: &TenantDb, ticket: &Ticket) -> InboxResult<()> {
        let country = self
            .store
            .platform()
            .get_tenant(db.tenant_id())
            .await?
            .country;
        let key = format!("rated:{}", ticket.id);
        self.send_system(db, &ticket.id, thanks_text(language(&country)), Some(key))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_a_score_from_1_to_5_at_the_start_with_an_optional_comment() {
        assert_eq!(parse_rating("5"), Some((5, None)));
        assert_eq!(parse_rating(" 4 "), Some((4, None)));
        assert_eq!(
            parse_rating("4 - rápido e gentil"),
            Some((4, Some("rápido e gentil".into())))
        );
        assert_eq!(parse_rating("3: ok"), Some((3, Some("ok".into()))));
        assert_eq!(
            parse_rating("1, demorou"),
            Some((1, Some("demorou".into())))
        );
        // Not ratings: out of range, a longer number, words first, nothing.
        for text in ["0", "6", "10", "12345", "nota 5", "", "cinco"] {
            assert_eq!(parse_rating(text), None, "{text}");
        }
    }

    #[test]
    fn the_request_speaks_the_companys_language() {
        assert!(request_text(language("BR")).starts_with("Como você avalia"));
        assert!(request_text(language("AR")).starts_with("¿Cómo calificarías"));
        assert!(request_text(language("US")).starts_with("How would you rate"));
    }
}

//! Outgoing email (password resets). Pluggable: the default writes mails to the log; tests
//! and development can keep them in memory to read them back.

use std::sync::Mutex;

/// A plain-text email.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Something that delivers mail.
pub trait Mailer: Send + Sync + std::fmt::Debug {
    fn send(&self, mail: Mail);
}

/// Writes each mail to the log. Bodies carry secrets (reset links), so they are logged only
/// when `include_body` is set, which the server does in development mode only.
#[derive(Debug, Default)]
pub struct LogMailer {
    pub include_body: bool,
}

impl Mailer for LogMailer {
    fn send(&self, mail: Mail) {
        if self.include_body {
            tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.body, "mail");
        } else {
            tracing::warn!(to = %mail.to, subject = %mail.subject, "mail not delivered: no mail transport is configured (body withheld from the log)");
        }
    }
}

/// Keeps sent mail in memory.
#[derive(Debug, Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<Mail>>,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<Mail> {
        self.sent.lock().expect("mailer poisoned").clone()
    }
}

impl Mailer for MemoryMailer {
    fn send(&self, mail: Mail) {
        self.sent.lock().expect("mailer poisoned").push(mail);
    }
}

//! Inbox tests on an in-memory store with workers draining the embedded bus: what the
//! channels report and refuse, status rules, reopening, and flows' effects on tickets.

mod batch;
mod inbox;

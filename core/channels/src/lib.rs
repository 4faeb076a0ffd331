//! The channels: every way of reaching WhatsApp, behind one trait. A channel connects a
//! number, sends what agents and flows write, and reports what happens on it — customers'
//! messages, receipts, typing, status and pairing — to the inbox's [`ChannelSink`], the one
//! way in. Built in: the simulator, whose customers are played through the API.
//!
//! - [`channel`]: the `Channel` trait, what goes out and comes in, the sink;
//! - [`set`]: the channels open in a process;
//! - [`media`]: what a file is, from its content;
//! - [`simulator`]: the simulator channel and the phones it plays.

pub mod channel;
pub mod cloud_api;
pub mod media;
pub mod secrets;
pub mod set;
pub mod simulator;

pub use channel::{
    Channel, ChannelError, ChannelEvent, ChannelSink, Incoming, IncomingFile, Outgoing, SinkError,
    Taken,
};
pub use set::ChannelSet;
pub use simulator::{CustomerMessage, Delivered, PhoneMessage, SimPhones, Simulator};

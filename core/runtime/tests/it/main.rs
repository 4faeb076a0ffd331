//! The runtime against a real SurrealDB (in memory), the embedded bus with its workers and
//! timers, and a real HTTP server on loopback.

mod runs;
mod support;
mod triggers;

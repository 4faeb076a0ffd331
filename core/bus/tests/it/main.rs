//! Job bus tests against real backends: embedded SurrealDB (in memory) and the RabbitMQ
//! broker at `TUCAN_TEST_AMQP` (default `amqp://127.0.0.1:5672/%2f`).

mod conformance;
mod rabbit;
mod support;
mod timers;
mod worker;

//! Job distribution: the [`JobBus`] every piece of background work goes through (flow steps,
//! resumptions, outgoing messages, webhooks, campaigns), with two backends — embedded on
//! SurrealDB (the default) and RabbitMQ — plus workers, durable timers, the dead-letter
//! archive and metrics.

mod bus;
mod dead;
mod embedded;
pub mod http_job;
mod job;
mod metrics;
pub mod net;
mod rabbit;
mod timers;
mod worker;

pub use bus::{BusError, BusOptions, BusResult, Consumer, Delivery, Failed, JobBus};
pub use dead::{DeadLetter, DeadLetters};
pub use embedded::EmbeddedBus;
pub use job::{Backoff, Job, Lane, NewJob, now_ms};
pub use metrics::{BusMetrics, Histogram, LaneMetrics};
pub use rabbit::{RabbitBus, RabbitOptions};
pub use timers::Timers;
pub use tucan_store::LaneCounts;
pub use worker::{Handlers, JobError, JobHandler, Worker, WorkerOptions};

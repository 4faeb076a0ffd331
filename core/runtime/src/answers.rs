//! Answers to inbound webhook calls: the call that starts a run waits here (in this process)
//! for the run's "Respond to webhook" step, up to its trigger's timeout.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::sync::oneshot;

use crate::runtime::FlowRuntime;

/// What a "Respond to webhook" step answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookAnswer {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// Calls waiting for their run's answer, by run id.
#[derive(Debug, Default)]
pub(crate) struct Answers(Mutex<HashMap<String, oneshot::Sender<HookAnswer>>>);

impl Answers {
    pub(crate) fn expect(&self, run_id: &str) -> oneshot::Receiver<HookAnswer> {
        let (tx, rx) = oneshot::channel();
        self.0
            .lock()
            .expect("answers")
            .insert(run_id.to_string(), tx);
        rx
    }

    pub(crate) fn forget(&self, run_id: &str) {
        self.0.lock().expect("answers").remove(run_id);
    }

    /// Hand `answer` to the call waiting for `run_id`; false when none waits here (it was
    /// answered 202 already, or waits in another process).
    pub(crate) fn answer(&self, run_id: &str, answer: HookAnswer) -> bool {
        match self.0.lock().expect("answers").remove(run_id) {
            Some(tx) => tx.send(answer).is_ok(),
            None => false,
        }
    }
}

impl FlowRuntime {
    /// Wait for the answer of run `run_id` (started next, under that id) to an inbound
    /// webhook call; `forget_answer` when the call stops waiting.
    pub fn expect_answer(&self, run_id: &str) -> oneshot::Receiver<HookAnswer> {
        self.answers.expect(run_id)
    }

    pub fn forget_answer(&self, run_id: &str) {
        self.answers.forget(run_id);
    }
}

//! Compiled flow versions, kept per process so a run's steps do not recompile its flow
//! (Rhai ASTs included). Published versions are immutable, so an entry never goes stale;
//! the cache is bounded and drops the least recently used entry when full.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tucan_engine::CompiledFlow;

/// A compiled version and its content hash.
pub type Cached = (Arc<CompiledFlow>, String);

#[derive(Debug)]
pub struct FlowCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, (Cached, u64)>,
    tick: u64,
}

impl FlowCache {
    pub fn new(capacity: usize) -> Self {
        FlowCache {
            inner: Mutex::default(),
            capacity: capacity.max(1),
        }
    }

    pub fn get(&self, key: &str) -> Option<Cached> {
        let mut inner = self.inner.lock().expect("flow cache poisoned");
        inner.tick += 1;
        let tick = inner.tick;
        inner.entries.get_mut(key).map(|(flow, used)| {
            *used = tick;
            flow.clone()
        })
    }

    pub fn insert(&self, key: String, flow: Cached) {
        let mut inner = self.inner.lock().expect("flow cache poisoned");
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&key) {
            let oldest = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                inner.entries.remove(&k);
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.entries.insert(key, (flow, tick));
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .expect("flow cache poisoned")
            .entries
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

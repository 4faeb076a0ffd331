//! The compiled plugin versions a process keeps, least recently used first out: compiling a
//! module costs tens of milliseconds and holds its code in memory, so only the versions in
//! use stay. A version's content never changes (uploads are immutable and a removed version
//! can return only with the same module), so an entry never goes stale.

use std::collections::HashMap;
use std::sync::Arc;

use crate::runner::LoadedPlugin;

pub(crate) struct CompiledCache {
    capacity: usize,
    clock: u64,
    /// Key → (module, last use).
    entries: HashMap<String, (Arc<LoadedPlugin>, u64)>,
}

impl CompiledCache {
    pub(crate) fn new(capacity: usize) -> Self {
        CompiledCache {
            capacity: capacity.max(1),
            clock: 0,
            entries: HashMap::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn get(&mut self, key: &str) -> Option<Arc<LoadedPlugin>> {
        self.clock += 1;
        let now = self.clock;
        self.entries.get_mut(key).map(|(loaded, used)| {
            *used = now;
            loaded.clone()
        })
    }

    /// Keep `loaded` under `key`, dropping the least recently used entry when full.
    pub(crate) fn insert(&mut self, key: String, loaded: Arc<LoadedPlugin>) {
        self.clock += 1;
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (loaded, self.clock));
    }

    /// Drop every entry whose key starts with `prefix`.
    pub(crate) fn remove_prefix(&mut self, prefix: &str) {
        self.entries.retain(|k, _| !k.starts_with(prefix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::PluginManifest;

    fn echo() -> Arc<LoadedPlugin> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let manifest: PluginManifest =
            serde_json::from_slice(&std::fs::read(dir.join("echo.json")).unwrap()).unwrap();
        let wat = std::fs::read(dir.join("echo.wat")).unwrap();
        Arc::new(LoadedPlugin::load(manifest, &wat).unwrap())
    }

    #[test]
    fn least_recently_used_goes_first() {
        let module = echo();
        let mut cache = CompiledCache::new(2);
        cache.insert("a".into(), module.clone());
        cache.insert("b".into(), module.clone());
        assert!(cache.get("a").is_some());
        cache.insert("c".into(), module.clone());
        assert_eq!(cache.len(), 2);
        assert!(cache.get("b").is_none(), "b was used least recently");
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        cache.remove_prefix("a");
        assert_eq!(cache.len(), 1);
    }
}

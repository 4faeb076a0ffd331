//! Wasm plugins. A plugin is a module plus a manifest: it adds node types to a tenant's flow
//! catalogue and runs inside Extism with the limits and grants its manifest names.
//!
//! - [`manifest`]: the manifest and its checks;
//! - [`module`]: a module's imports and exports checked against its manifest;
//! - [`host`]: the host functions (run variables, contact, ticket, trace, key-value store,
//!   time, HTTP to granted hosts);
//! - [`runner`]: compiled modules, pooled instances, limited calls;
//! - [`PluginHost`]: per-tenant uploads, the compiled-module cache, the per-tenant cap on
//!   calls at once, and the flow runtime's plugin node types and calls.

mod cache;
mod error;
pub mod host;
pub mod manifest;
pub mod module;
pub mod runner;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::cache::CompiledCache;

use async_trait::async_trait;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tucan_bus::net::OutboundHttp;
use tucan_engine::{Effect, NodeType, PluginNodeDecl, PluginNodeType, Resume};
use tucan_model::Resource;

use tucan_runtime::{CallLater, PluginCalls};
use tucan_store::{PluginRow, PluginUpload, RunRow, StoreError, StoreResult, TenantDb};

pub use error::{HostError, HostResult};
pub use host::{CallState, MemoryKv, PluginKv};
pub use manifest::{Grants, NodeDecl, PluginManifest};
pub use runner::{LoadedPlugin, NodeOutput, PluginError};

/// The plugin key-value store of one plugin in one tenant's database.
struct StoreKv {
    db: TenantDb,
    plugin: String,
}

#[async_trait]
impl PluginKv for StoreKv {
    async fn get(&self, key: &str) -> Result<Option<Value>, String> {
        self.db
            .plugin_kv_get(&self.plugin, key)
            .await
            .map_err(|e| e.to_string())
    }

    async fn set(&self, key: &str, value: &Value) -> Result<bool, String> {
        self.db
            .plugin_kv_set(&self.plugin, key, value, host::KV_QUOTA as u64)
            .await
            .map_err(|e| e.to_string())
    }

    async fn delete(&self, key: &str) -> Result<(), String> {
        self.db
            .plugin_kv_delete(&self.plugin, key)
            .await
            .map_err(|e| e.to_string())
    }
}

/// One call of a plugin node.
#[derive(Debug, Clone)]
pub struct PluginCall {
    pub plugin: String,
    pub version: String,
    pub node: String,
    /// `{ "config": …, "message": … }`.
    pub input: Value,
    pub vars: serde_json::Map<String, Value>,
    pub contact: Value,
    pub ticket: Value,
}

/// How much of the process the plugins may take.
#[derive(Debug, Clone, Copy)]
pub struct PluginLimits {
    /// Plugin calls one tenant may have running at once in this process; the flow lane's
    /// workers are shared, so one tenant's slow plugin cannot take all of them.
    pub calls_per_tenant: usize,
    /// Compiled versions kept in memory (least recently used go first).
    pub compiled_versions: usize,
}

impl Default for PluginLimits {
    fn default() -> Self {
        PluginLimits {
            calls_per_tenant: 4,
            compiled_versions: 64,
        }
    }
}

/// The plugins of every tenant in this process: uploads, the cache of compiled versions, and
/// the calls runs make.
pub struct PluginHost {
    http: OutboundHttp,
    limits: PluginLimits,
    /// `tenant/plugin@version` → compiled module.
    loaded: Mutex<CompiledCache>,
    /// Tenant → its permits for calls at once.
    running: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl std::fmt::Debug for PluginHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.loaded.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("PluginHost").field("loaded", &n).finish()
    }
}

fn cache_key(tenant: &str, plugin: &str, version: &str) -> String {
    format!("{tenant}/{plugin}@{version}")
}

fn invalid(e: PluginError) -> HostError {
    HostError::Refused(e.message)
}

/// What one call gives: the plugin's answer or error, and the lines it logged.
pub type CallOutcome = (Result<NodeOutput, PluginError>, Vec<String>);

impl PluginHost {
    /// `http` is the guarded client plugins' `tucan_http` calls go through.
    pub fn new(http: OutboundHttp) -> Arc<PluginHost> {
        Self::with_limits(http, PluginLimits::default())
    }

    pub fn with_limits(http: OutboundHttp, limits: PluginLimits) -> Arc<PluginHost> {
        Arc::new(PluginHost {
            http,
            limits,
            loaded: Mutex::new(CompiledCache::new(limits.compiled_versions)),
            running: Mutex::new(HashMap::new()),
        })
    }

    fn permits(&self, tenant: &str) -> Arc<Semaphore> {
        self.running
            .lock()
            .expect("plugin permits poisoned")
            .entry(tenant.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.calls_per_tenant.max(1))))
            .clone()
    }

    /// Check and compile an upload, then keep it as the plugin's new current version.
    pub async fn upload(
        &self,
        db: &TenantDb,
        manifest: PluginManifest,
        wasm: Vec<u8>,
        user_id: &str,
    ) -> HostResult<PluginRow> {
        let manifest_json = serde_json::to_value(&manifest)?;
        let bytes = wasm.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let loaded = LoadedPlugin::load(manifest, &bytes)?;
            loaded.warm()?;
            Ok::<_, PluginError>(loaded)
        })
        .await
        .map_err(|e| HostError::Stopped {
            what: "check",
            why: e.to_string(),
        })?
        .map_err(invalid)?;
        let m = loaded.manifest.clone();
        use base64::Engine as _;
        let row = db
            .save_plugin_version(&PluginUpload {
                id: m.id.clone(),
                name: m.name.clone(),
                version: m.version.clone(),
                manifest: manifest_json,
                module: base64::engine::general_purpose::STANDARD.encode(&wasm),
                sha256: hex::encode(Sha256::digest(&wasm)),
                size: wasm.len() as u64,
                uploaded_by: user_id.to_string(),
            })
            .await?;
        self.loaded.lock().expect("plugin cache poisoned").insert(
            cache_key(db.tenant_id(), &m.id, &m.version),
            Arc::new(loaded),
        );
        Ok(row)
    }

    /// Forget the compiled versions of a plugin (disabled or removed), freeing their instances.
    pub fn evict(&self, tenant: &str, plugin: &str) {
        let prefix = format!("{tenant}/{plugin}@");
        self.loaded
            .lock()
            .expect("plugin cache poisoned")
            .remove_prefix(&prefix);
    }

    /// A plugin version, compiled (from the cache, or loaded from the store and compiled once).
    pub async fn load(
        &self,
        db: &TenantDb,
        plugin: &str,
        version: &str,
    ) -> HostResult<Arc<LoadedPlugin>> {
        let key = cache_key(db.tenant_id(), plugin, version);
        if let Some(hit) = self.loaded.lock().expect("plugin cache poisoned").get(&key) {
            return Ok(hit);
        }
        let row = db.plugin_module(plugin, version).await?;
        let manifest: PluginManifest = serde_json::from_value(row.manifest.clone())?;
        use base64::Engine as _;
        let wasm = base64::engine::general_purpose::STANDARD
            .decode(row.module.unwrap_or_default())
            .map_err(|e| HostError::Unreadable(e.to_string()))?;
        let loaded = tokio::task::spawn_blocking(move || LoadedPlugin::load(manifest, &wasm))
            .await
            .map_err(|e| HostError::Stopped {
                what: "load",
                why: e.to_string(),
            })?
            .map_err(invalid)?;
        let loaded = Arc::new(loaded);
        self.loaded
            .lock()
            .expect("plugin cache poisoned")
            .insert(key, loaded.clone());
        Ok(loaded)
    }

    /// Call `node` of a plugin version for a tenant, off the async runtime, waiting for one
    /// of the tenant's call permits. Returns the answer and the lines the plugin logged; a
    /// database that does not answer is a `PLUGIN_UNAVAILABLE` error.
    pub async fn call(&self, db: &TenantDb, call: PluginCall) -> CallOutcome {
        let permit = self
            .permits(db.tenant_id())
            .acquire_owned()
            .await
            .expect("plugin permits are never closed");
        match self.call_with(db, call, permit).await {
            Ok(outcome) => outcome,
            Err(e) => (
                Err(PluginError::new("PLUGIN_UNAVAILABLE", e.to_string())),
                Vec::new(),
            ),
        }
    }

    /// Like [`PluginHost::call`], but never waits: `Err(CallLater::Busy)` when the tenant
    /// has its most calls running, `Err(CallLater::Unavailable)` when the database did not
    /// answer; both are worth trying again later.
    pub async fn try_call(
        &self,
        db: &TenantDb,
        call: PluginCall,
    ) -> Result<CallOutcome, CallLater> {
        let permit = self
            .permits(db.tenant_id())
            .try_acquire_owned()
            .map_err(|_| CallLater::Busy)?;
        self.call_with(db, call, permit)
            .await
            .map_err(|e| CallLater::Unavailable(e.to_string()))
    }

    async fn call_with(
        &self,
        db: &TenantDb,
        call: PluginCall,
        permit: OwnedSemaphorePermit,
    ) -> HostResult<CallOutcome> {
        let PluginCall {
            plugin,
            version,
            node,
            input,
            vars,
            contact,
            ticket,
        } = call;
        let plugin = plugin.as_str();
        match db.get_plugin(plugin).await {
            Ok(p) if p.enabled => {}
            Ok(_) => {
                let e = PluginError::new("PLUGIN_DISABLED", format!("plugin {plugin} is disabled"));
                return Ok((Err(e), Vec::new()));
            }
            Err(e) if e.refusal().is_none() => return Err(e.into()),
            Err(_) => {
                let e = PluginError::new("PLUGIN_DISABLED", format!("plugin {plugin} was removed"));
                return Ok((Err(e), Vec::new()));
            }
        }
        let loaded = match self.load(db, plugin, &version).await {
            Ok(l) => l,
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                return Ok((
                    Err(PluginError::new("PLUGIN_INVALID", e.to_string())),
                    Vec::new(),
                ));
            }
        };
        let kv = Arc::new(StoreKv {
            db: db.clone(),
            plugin: plugin.to_string(),
        });
        let mut state = CallState::new(
            loaded.grants(),
            kv,
            self.http.clone(),
            tokio::runtime::Handle::current(),
        );
        state.vars = vars;
        state.contact = contact;
        state.ticket = ticket;
        let joined = tokio::task::spawn_blocking(move || {
            let answer = loaded.call_blocking(&node, &input, state);
            drop(permit);
            answer
        })
        .await;
        Ok(match joined {
            Ok((result, state)) => (result, state.trace),
            Err(e) => (
                Err(PluginError::new(
                    "PLUGIN_TRAP",
                    format!("the call stopped: {e}"),
                )),
                Vec::new(),
            ),
        })
    }

    fn node_types_of(manifest: &PluginManifest, version_in_kind: bool) -> Vec<Arc<dyn NodeType>> {
        manifest
            .nodes
            .iter()
            .map(|n| {
                let base = PluginNodeType::kind_of(&manifest.id, &n.id);
                let kind = if version_in_kind {
                    format!("{base}@{}", manifest.version)
                } else {
                    base
                };
                Arc::new(PluginNodeType {
                    kind,
                    decl: PluginNodeDecl {
                        plugin: manifest.id.clone(),
                        version: manifest.version.clone(),
                        node: n.id.clone(),
                        plugin_name: manifest.name.clone(),
                        title: n.title.clone(),
                        description: n.description.clone(),
                        config_schema: n.config_schema.clone(),
                        outputs: n.outputs.clone(),
                        icon: n.icon.clone(),
                        color: n.color.clone(),
                    },
                }) as Arc<dyn NodeType>
            })
            .collect()
    }

    /// A version's manifest: from the compiled cache, or read from the store (the catalogue
    /// and flow validation never compile a module).
    async fn manifest_of(
        &self,
        db: &TenantDb,
        plugin: &str,
        version: &str,
    ) -> HostResult<Arc<PluginManifest>> {
        let key = cache_key(db.tenant_id(), plugin, version);
        if let Some(hit) = self.loaded.lock().expect("plugin cache poisoned").get(&key) {
            return Ok(hit.manifest.clone());
        }
        let row = db
            .plugin_versions(plugin)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .ok_or(StoreError::NotFound(Resource::PluginVersion))?;
        Ok(Arc::new(serde_json::from_value(row.manifest)?))
    }
}

#[async_trait]
impl PluginCalls for PluginHost {
    async fn node_types(
        &self,
        db: &TenantDb,
        kinds: &[String],
    ) -> StoreResult<Vec<Arc<dyn NodeType>>> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for kind in kinds {
            let Some((plugin, _, version)) = PluginNodeType::parse_kind(kind) else {
                continue;
            };
            let pinned = version.is_some();
            let version = match version {
                Some(v) => v,
                None => match db.get_plugin(&plugin).await {
                    Ok(p) => p.current,
                    Err(_) => continue,
                },
            };
            if !seen.insert((plugin.clone(), version.clone(), pinned)) {
                continue;
            }
            match self.manifest_of(db, &plugin, &version).await {
                Ok(m) => out.extend(Self::node_types_of(&m, pinned)),
                Err(e) => {
                    tracing::warn!(plugin = %plugin, version = %version, error = %e, "plugin unavailable")
                }
            }
        }
        Ok(out)
    }

    async fn catalogue(&self, db: &TenantDb) -> StoreResult<Vec<Arc<dyn NodeType>>> {
        let mut out = Vec::new();
        for p in db.list_plugins().await?.into_iter().filter(|p| p.enabled) {
            match self.manifest_of(db, &p.id, &p.current).await {
                Ok(m) => out.extend(Self::node_types_of(&m, false)),
                Err(e) => tracing::warn!(plugin = %p.id, error = %e, "plugin unavailable"),
            }
        }
        Ok(out)
    }

    async fn current_version(&self, db: &TenantDb, plugin: &str) -> StoreResult<Option<String>> {
        match db.get_plugin(plugin).await {
            Ok(p) if p.enabled => Ok(Some(p.current)),
            Ok(_) => Ok(None),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn call(
        &self,
        db: &TenantDb,
        _run: &RunRow,
        effect: &Effect,
    ) -> Result<Resume, CallLater> {
        let Effect::Plugin {
            plugin,
            version,
            node,
            config,
            vars,
            contact,
            ticket,
            message,
            ..
        } = effect
        else {
            return Ok(Resume::Plugin {
                port: None,
                vars: Default::default(),
                error: Some("PLUGIN_INVALID: not a plugin call".into()),
                trace: Vec::new(),
            });
        };
        let call = PluginCall {
            plugin: plugin.clone(),
            version: version.clone(),
            node: node.clone(),
            input: json!({ "config": config, "message": message }),
            vars: vars.clone(),
            contact: contact.clone(),
            ticket: ticket.clone(),
        };
        let (result, trace) = self.try_call(db, call).await?;
        Ok(match result {
            Ok(out) => Resume::Plugin {
                port: Some(out.port),
                vars: out.vars,
                error: None,
                trace,
            },
            Err(e) => Resume::Plugin {
                port: None,
                vars: Default::default(),
                error: Some(e.to_string()),
                trace,
            },
        })
    }
}

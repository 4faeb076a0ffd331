//! The host functions a plugin may import from `extism:host/user`, narrow and scoped to the
//! company and plugin of the call: run variables, the run's contact and ticket, the run
//! trace, a key-value store with a quota, the time, and HTTP to granted hosts through the
//! platform's SSRF guard. Strings and JSON travel as Extism memory blocks (offset 0: none).
//!
//! A call runs start to end on one blocking thread, so the call's state lives in a
//! thread-local slot that [`with_call`] fills for the length of the call; the functions are
//! linked once per compiled module and shared by all its instances.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use extism::{CurrentPlugin, Error, Function, PTR, UserData, Val, ValType};
use serde_json::{Map, Value, json};
use tucan_bus::net::OutboundHttp;

use crate::manifest::Grants;

/// Every host function, by import name.
pub const HOST_FUNCTIONS: &[&str] = &[
    "tucan_var_get",
    "tucan_var_set",
    "tucan_contact",
    "tucan_ticket",
    "tucan_log",
    "tucan_kv_get",
    "tucan_kv_set",
    "tucan_kv_delete",
    "tucan_now",
    "tucan_http",
];

/// Lines a call may add to the run trace, and the length kept of each.
const MAX_LOG_LINES: usize = 100;
const MAX_LOG_CHARS: usize = 1_000;
/// Largest variable value a plugin may set, in bytes of JSON.
const MAX_VAR_BYTES: usize = 64 * 1024;
/// HTTP requests per call, and the largest response body handed back.
const MAX_HTTP_CALLS: u32 = 10;
const MAX_HTTP_BODY: usize = 1024 * 1024;

/// The key-value store of one plugin in one company.
#[async_trait]
pub trait PluginKv: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<Value>, String>;
    /// `Ok(false)` when the value would exceed the quota (nothing is written).
    async fn set(&self, key: &str, value: &Value) -> Result<bool, String>;
    async fn delete(&self, key: &str) -> Result<(), String>;
}

/// Keys up to 200 characters, values up to 64 KiB, 1 MiB in all per plugin and company.
pub const KV_MAX_KEY: usize = 200;
pub const KV_MAX_VALUE: usize = 64 * 1024;
pub const KV_QUOTA: usize = 1024 * 1024;

/// A key-value store in memory (`tucanlink plugin test`, benchmarks).
#[derive(Default)]
pub struct MemoryKv(std::sync::Mutex<std::collections::BTreeMap<String, Value>>);

#[async_trait]
impl PluginKv for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<Value>, String> {
        Ok(self.0.lock().expect("kv poisoned").get(key).cloned())
    }

    async fn set(&self, key: &str, value: &Value) -> Result<bool, String> {
        let mut map = self.0.lock().expect("kv poisoned");
        let used: usize = map
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| k.len() + v.to_string().len())
            .sum();
        if used + key.len() + value.to_string().len() > KV_QUOTA {
            return Ok(false);
        }
        map.insert(key.to_string(), value.clone());
        Ok(true)
    }

    async fn delete(&self, key: &str) -> Result<(), String> {
        self.0.lock().expect("kv poisoned").remove(key);
        Ok(())
    }
}

/// What one call may see and what it leaves.
pub struct CallState {
    pub grants: Arc<Grants>,
    pub vars: Map<String, Value>,
    pub contact: Value,
    pub ticket: Value,
    pub kv: Arc<dyn PluginKv>,
    pub http: OutboundHttp,
    pub rt: tokio::runtime::Handle,
    /// Variables the plugin set through `tucan_var_set`.
    pub set_vars: Map<String, Value>,
    /// Lines for the run trace.
    pub trace: Vec<String>,
    http_calls: u32,
    /// When the call's time is up: host functions that wait (HTTP, the store) never wait past it.
    deadline: std::time::Instant,
}

impl CallState {
    pub fn new(
        grants: Arc<Grants>,
        kv: Arc<dyn PluginKv>,
        http: OutboundHttp,
        rt: tokio::runtime::Handle,
    ) -> Self {
        CallState {
            grants,
            vars: Map::new(),
            contact: Value::Null,
            ticket: Value::Null,
            kv,
            http,
            rt,
            set_vars: Map::new(),
            trace: Vec::new(),
            http_calls: 0,
            deadline: std::time::Instant::now(),
        }
    }

    /// What is left of the call's time.
    fn remaining(&self) -> Duration {
        self.deadline
            .saturating_duration_since(std::time::Instant::now())
    }

    /// Wait for `f` on the runtime, at most until the call's deadline.
    fn wait<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        let left = self.remaining();
        self.rt.block_on(async move {
            tokio::time::timeout(left, f)
                .await
                .unwrap_or_else(|_| Err("the call's time is up".into()))
        })
    }

    fn log(&mut self, line: &str) {
        if self.trace.len() < MAX_LOG_LINES {
            self.trace.push(line.chars().take(MAX_LOG_CHARS).collect());
        } else if self.trace.len() == MAX_LOG_LINES {
            self.trace.push("… further lines dropped".into());
        }
    }
}

thread_local! {
    static CALL: RefCell<Option<CallState>> = const { RefCell::new(None) };
}

/// Run `f` (a plugin call) with `state` as the call's state; returns what `f` returned and the
/// state as the call left it.
pub(crate) fn with_call<R>(mut state: CallState, f: impl FnOnce() -> R) -> (R, CallState) {
    /// Empties the slot however the call ends, a panic included, so nothing of this call
    /// (its tenant's handles, its contact) stays on the thread.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            CALL.with(|c| c.borrow_mut().take());
        }
    }
    state.deadline = std::time::Instant::now() + Duration::from_millis(state.grants.timeout_ms);
    CALL.with(|c| *c.borrow_mut() = Some(state));
    let clear = Clear;
    let out = f();
    let state = CALL
        .with(|c| c.borrow_mut().take())
        .expect("the call state is set for the call");
    drop(clear);
    (out, state)
}

fn state<R>(name: &str, f: impl FnOnce(&mut CallState) -> R) -> Result<R, Error> {
    CALL.with(|c| {
        let mut slot = c.borrow_mut();
        let s = slot
            .as_mut()
            .ok_or_else(|| Error::msg("a host function was called outside a plugin call"))?;
        if !s.grants.host_functions.iter().any(|g| g == name) {
            return Err(Error::msg(format!("{name} is not granted to this plugin")));
        }
        Ok(f(s))
    })
}

fn read_text(plugin: &mut CurrentPlugin, v: &Val) -> Result<String, Error> {
    if v.i64().unwrap_or(0) == 0 {
        return Ok(String::new());
    }
    plugin.memory_get_val::<String>(v)
}

fn read_json(plugin: &mut CurrentPlugin, v: &Val, what: &str) -> Result<Value, Error> {
    let text = read_text(plugin, v)?;
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| Error::msg(format!("{what} is not JSON: {e}")))
}

fn write_json(plugin: &mut CurrentPlugin, out: &mut [Val], v: &Value) -> Result<(), Error> {
    let handle = plugin.memory_new(v.to_string())?;
    out[0] = plugin.memory_to_val(handle);
    Ok(())
}

type HostFn = fn(&mut CurrentPlugin, &[Val], &mut [Val], UserData<()>) -> Result<(), Error>;

/// The host functions, to link into every plugin module.
pub(crate) fn functions() -> Vec<Function> {
    let def = |name: &str, params: &[ValType], results: &[ValType], f: HostFn| {
        Function::new(
            name,
            params.to_vec(),
            results.to_vec(),
            UserData::new(()),
            f,
        )
    };
    vec![
        def("tucan_var_get", &[PTR], &[PTR], var_get),
        def("tucan_var_set", &[PTR, PTR], &[], var_set),
        def("tucan_contact", &[], &[PTR], contact),
        def("tucan_ticket", &[], &[PTR], ticket),
        def("tucan_log", &[PTR], &[], log),
        def("tucan_kv_get", &[PTR], &[PTR], kv_get),
        def("tucan_kv_set", &[PTR, PTR], &[ValType::I32], kv_set),
        def("tucan_kv_delete", &[PTR], &[], kv_delete),
        def("tucan_now", &[], &[ValType::I64], now),
        def("tucan_http", &[PTR], &[PTR], http),
    ]
}

fn var_get(p: &mut CurrentPlugin, i: &[Val], o: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let name = read_text(p, &i[0])?;
    let v = state("tucan_var_get", |s| {
        s.vars.get(&name).cloned().unwrap_or(Value::Null)
    })?;
    write_json(p, o, &v)
}

/// A variable a plugin may set: a name of letters, digits and `_` not starting with `_`
/// (those are the platform's), a value of at most 64 KiB of JSON.
pub(crate) fn check_var(name: &str, value: &Value) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || name.starts_with('_')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(format!(
            "{name:?} is not a variable a plugin may set (letters, digits, _; not starting with _)"
        ));
    }
    if value.to_string().len() > MAX_VAR_BYTES {
        return Err(format!("the value of {name} is over 64 KiB"));
    }
    Ok(())
}

fn var_set(p: &mut CurrentPlugin, i: &[Val], _: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let name = read_text(p, &i[0])?;
    let text = read_text(p, &i[1])?;
    if text.len() > MAX_VAR_BYTES {
        return Err(Error::msg("tucan_var_set: the value is over 64 KiB"));
    }
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Error::msg(format!("tucan_var_set: the value is not JSON: {e}")))?;
    check_var(&name, &value).map_err(|e| Error::msg(format!("tucan_var_set: {e}")))?;
    state("tucan_var_set", |s| {
        s.vars.insert(name.clone(), value.clone());
        s.set_vars.insert(name, value);
    })
}

fn contact(p: &mut CurrentPlugin, _: &[Val], o: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let v = state("tucan_contact", |s| s.contact.clone())?;
    write_json(p, o, &v)
}

fn ticket(p: &mut CurrentPlugin, _: &[Val], o: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let v = state("tucan_ticket", |s| s.ticket.clone())?;
    write_json(p, o, &v)
}

fn log(p: &mut CurrentPlugin, i: &[Val], _: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let line = read_text(p, &i[0])?;
    state("tucan_log", |s| s.log(&line))
}

fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty() || key.len() > KV_MAX_KEY {
        return Err(Error::msg("a key is 1-200 characters"));
    }
    Ok(())
}

fn kv_get(p: &mut CurrentPlugin, i: &[Val], o: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let key = read_text(p, &i[0])?;
    check_key(&key)?;
    let v = state("tucan_kv_get", |s| {
        let kv = s.kv.clone();
        s.wait(async move { kv.get(&key).await })
    })?
    .map_err(|e| Error::msg(format!("tucan_kv_get failed: {e}")))?;
    write_json(p, o, &v.unwrap_or(Value::Null))
}

fn kv_set(p: &mut CurrentPlugin, i: &[Val], o: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let key = read_text(p, &i[0])?;
    check_key(&key)?;
    let value = read_json(p, &i[1], "tucan_kv_set: the value")?;
    if value.to_string().len() > KV_MAX_VALUE {
        o[0] = Val::I32(1);
        return Ok(());
    }
    let stored = state("tucan_kv_set", |s| {
        let kv = s.kv.clone();
        s.wait(async move { kv.set(&key, &value).await })
    })?
    .map_err(|e| Error::msg(format!("tucan_kv_set failed: {e}")))?;
    o[0] = Val::I32(if stored { 0 } else { 1 });
    Ok(())
}

fn kv_delete(
    p: &mut CurrentPlugin,
    i: &[Val],
    _: &mut [Val],
    _: UserData<()>,
) -> Result<(), Error> {
    let key = read_text(p, &i[0])?;
    check_key(&key)?;
    state("tucan_kv_delete", |s| {
        let kv = s.kv.clone();
        s.wait(async move { kv.delete(&key).await })
    })?
    .map_err(|e| Error::msg(format!("tucan_kv_delete failed: {e}")))
}

fn now(_: &mut CurrentPlugin, _: &[Val], o: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    state("tucan_now", |_| ())?;
    o[0] = Val::I64(chrono::Utc::now().timestamp_millis());
    Ok(())
}

/// `{method, url, headers, body, timeout_ms}` → `{status, body}` or `{error}`; refusals are
/// answers (the plugin decides what to do), not traps.
fn http(p: &mut CurrentPlugin, i: &[Val], o: &mut [Val], _: UserData<()>) -> Result<(), Error> {
    let req = read_json(p, &i[0], "tucan_http: the request")?;
    let answer = state("tucan_http", |s| http_call(s, &req))?;
    write_json(p, o, &answer)
}

fn http_call(s: &mut CallState, req: &Value) -> Value {
    let refuse = |code: &str, why: String| json!({ "error": format!("{code}: {why}") });
    s.http_calls += 1;
    if s.http_calls > MAX_HTTP_CALLS {
        return refuse(
            "TOO_MANY_REQUESTS",
            format!("at most {MAX_HTTP_CALLS} per call"),
        );
    }
    let Some(url) = req["url"].as_str() else {
        return refuse("INVALID_REQUEST", "url is missing".into());
    };
    let url = match s.http.check_url(url) {
        Ok(u) => u,
        Err(e) => return refuse("INVALID_REQUEST", e),
    };
    let host = url.host_str().unwrap_or("").to_string();
    if !s.grants.allows_host(&host) {
        return refuse("HOST_NOT_GRANTED", host);
    }
    let method = req["method"].as_str().unwrap_or("GET").to_ascii_uppercase();
    let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
        return refuse("INVALID_REQUEST", format!("method {method}"));
    };
    // Never past what is left of the call's own time.
    let left = s.remaining();
    if left < Duration::from_millis(10) {
        return refuse("TIMEOUT", "the call's time is up".into());
    }
    let timeout = Duration::from_millis(req["timeout_ms"].as_u64().unwrap_or(u64::MAX)).min(left);
    let mut builder = s.http.client().request(method, url).timeout(timeout);
    if let Some(headers) = req["headers"].as_object() {
        for (k, v) in headers {
            // The host and the framing are the platform's: a plugin cannot aim the request
            // at another virtual host behind a granted address, nor smuggle a second one.
            let name = k.to_ascii_lowercase();
            let reserved = matches!(
                name.as_str(),
                "host" | "connection" | "content-length" | "transfer-encoding" | "te" | "upgrade"
            ) || name.starts_with("proxy-");
            if let (false, Some(v)) = (reserved, v.as_str()) {
                builder = builder.header(k.as_str(), v);
            }
        }
    }
    if let Some(body) = req["body"].as_str() {
        builder = builder.body(body.to_string());
    }
    let result = s.rt.block_on(async move {
        let mut resp = builder.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
            if bytes.len() + chunk.len() > MAX_HTTP_BODY {
                return Err("the response is over 1 MiB".to_string());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok::<_, String>((status, bytes))
    });
    match result {
        Ok((status, bytes)) => {
            s.log(&format!(
                "http {} {status}",
                req["url"].as_str().unwrap_or("")
            ));
            json!({ "status": status, "body": String::from_utf8_lossy(&bytes) })
        }
        Err(e) => refuse("REQUEST_FAILED", e),
    }
}

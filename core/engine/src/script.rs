//! The Rhai sandbox shared by every node: bounded operations, call depth, string, array and
//! map sizes, and a wall-clock budget; no modules, no eval, no I/O. Expressions and scripts
//! are compiled once (when a flow version is compiled) and evaluated many times.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::packages::Package;
use rhai::{AST, Dynamic, Engine, Map, Scope};
use serde_json::Value;

/// Limits of one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct ScriptLimits {
    pub max_operations: u64,
    pub max_call_depth: usize,
    pub max_string_len: usize,
    pub max_array_len: usize,
    pub max_map_len: usize,
    pub max_time: Duration,
}

impl Default for ScriptLimits {
    fn default() -> Self {
        ScriptLimits {
            max_operations: 200_000,
            max_call_depth: 32,
            max_string_len: 64 * 1024,
            max_array_len: 10_000,
            max_map_len: 10_000,
            max_time: Duration::from_millis(100),
        }
    }
}

/// The shared sandboxed engine.
#[derive(Clone)]
pub struct Scripts {
    engine: Arc<Engine>,
    limits: ScriptLimits,
}

impl std::fmt::Debug for Scripts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scripts")
            .field("limits", &self.limits)
            .finish()
    }
}

/// A compiled expression or script.
#[derive(Clone, Debug)]
pub struct Compiled(Arc<AST>);

thread_local! {
    static DEADLINE: std::cell::Cell<Option<Instant>> = const { std::cell::Cell::new(None) };
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts::new(ScriptLimits::default())
    }
}

impl Scripts {
    pub fn new(limits: ScriptLimits) -> Self {
        let mut engine = Engine::new_raw();
        engine.register_global_module(rhai::packages::StandardPackage::new().as_shared_module());
        engine
            .set_max_operations(limits.max_operations)
            .set_max_call_levels(limits.max_call_depth)
            .set_max_expr_depths(64, 32)
            .set_max_string_size(limits.max_string_len)
            .set_max_array_size(limits.max_array_len)
            .set_max_map_size(limits.max_map_len)
            .set_max_modules(0)
            .set_strict_variables(false);
        engine.disable_symbol("eval");
        // The wall-clock budget, checked as operations progress.
        engine.on_progress(|ops| {
            if ops % 1024 != 0 {
                return None;
            }
            let late = DEADLINE.with(|d| d.get().is_some_and(|t| Instant::now() > t));
            late.then(|| Dynamic::from("time limit exceeded"))
        });
        Scripts {
            engine: Arc::new(engine),
            limits,
        }
    }

    /// Compile a script (statements; the last value is the result).
    pub fn compile(&self, source: &str) -> Result<Compiled, String> {
        self.engine
            .compile(source)
            .map(|ast| Compiled(Arc::new(ast)))
            .map_err(|e| e.to_string())
    }

    /// Compile a single expression.
    pub fn compile_expression(&self, source: &str) -> Result<Compiled, String> {
        self.engine
            .compile_expression(source)
            .map(|ast| Compiled(Arc::new(ast)))
            .map_err(|e| e.to_string())
    }

    /// Evaluate with `vars`, `contact` and `ticket` in scope; returns the result as JSON and
    /// the (possibly changed) `vars`.
    pub fn eval(&self, code: &Compiled, cx: &ScriptContext) -> Result<(Value, Value), String> {
        let mut scope = Scope::new();
        scope.push("vars", to_dynamic(&cx.vars)?);
        scope.push_constant("contact", to_dynamic(&cx.contact)?);
        scope.push_constant("ticket", to_dynamic(&cx.ticket)?);
        DEADLINE.with(|d| d.set(Some(Instant::now() + self.limits.max_time)));
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &code.0);
        DEADLINE.with(|d| d.set(None));
        let result = result.map_err(|e| match *e {
            rhai::EvalAltResult::ErrorTerminated(..) => {
                "the script ran past its time limit".to_string()
            }
            other => other.to_string(),
        })?;
        let vars = scope
            .get_value::<Dynamic>("vars")
            .map(|v| from_dynamic(&v))
            .transpose()?
            .unwrap_or(Value::Null);
        Ok((from_dynamic(&result)?, vars))
    }
}

/// What a script sees.
#[derive(Debug, Clone, Default)]
pub struct ScriptContext {
    pub vars: Value,
    pub contact: Value,
    pub ticket: Value,
}

fn to_dynamic(v: &Value) -> Result<Dynamic, String> {
    if v.is_null() {
        return Ok(Dynamic::from(Map::new()));
    }
    rhai::serde::to_dynamic(v).map_err(|e| e.to_string())
}

fn from_dynamic(d: &Dynamic) -> Result<Value, String> {
    rhai::serde::from_dynamic::<Value>(d).map_err(|e| e.to_string())
}

/// Truthiness of a script result, for conditions.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cx() -> ScriptContext {
        ScriptContext {
            vars: json!({ "total": 120, "name": "Ana" }),
            contact: json!({ "name": "Ana Souza" }),
            ticket: Value::Null,
        }
    }

    #[test]
    fn expressions_read_vars_and_contact() {
        let s = Scripts::default();
        let e = s
            .compile_expression("vars.total > 100 && contact.name.contains(\"Ana\")")
            .unwrap();
        assert_eq!(s.eval(&e, &cx()).unwrap().0, json!(true));
    }

    #[test]
    fn scripts_change_vars() {
        let s = Scripts::default();
        let code = s
            .compile("vars.total = vars.total * 2; vars.greeting = `Hi ${vars.name}`; 1")
            .unwrap();
        let (_, vars) = s.eval(&code, &cx()).unwrap();
        assert_eq!(vars["total"], json!(240));
        assert_eq!(vars["greeting"], json!("Hi Ana"));
    }

    #[test]
    fn runaway_scripts_are_stopped() {
        let s = Scripts::default();
        let forever = s.compile("loop { }").unwrap();
        let err = s.eval(&forever, &cx()).unwrap_err();
        assert!(err.contains("operations") || err.contains("time"), "{err}");
        let big = s.compile("let s = \"x\"; loop { s += s; }").unwrap();
        assert!(s.eval(&big, &cx()).is_err());
        let deep = s.compile("fn f(n) { f(n + 1) } f(0)").unwrap();
        assert!(s.eval(&deep, &cx()).is_err());
    }

    #[test]
    fn eval_and_bad_syntax_are_refused() {
        let s = Scripts::default();
        assert!(s.compile("eval(\"1\")").is_err());
        assert!(s.compile_expression("1 +").is_err());
        assert!(
            s.compile("import \"x\" as y;").is_err()
                || s.eval(&s.compile("import \"x\" as y;").unwrap(), &cx())
                    .is_err()
        );
    }
}

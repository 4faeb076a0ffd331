//! The Rhai sandbox shared by every node: bounded operations, call depth, string, array and
//! map sizes, and a wall-clock budget; no modules, no eval, no I/O. Expressions and scripts
//! are compiled once (when a flow version is compiled) and evaluated many times.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::packages::Package;
use rhai::{AST, Dynamic, Engine, Map, Scope};
use serde_json::Value;

/// What went wrong compiling or evaluating Rhai. Each message is the one Rhai (or the
/// sandbox) gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// The source does not parse (bad syntax, a disabled symbol such as `eval`, an
    /// expression nested too deep).
    #[error("{message}")]
    Compile { message: String },
    /// The script failed while running (an unknown function, a type mismatch, a `throw`).
    #[error("{message}")]
    Runtime { message: String },
    /// The script went past one of the sandbox's limits.
    #[error("{message}")]
    Limit { what: ScriptLimit, message: String },
    /// A value could not pass between JSON and Rhai.
    #[error("{message}")]
    Value { message: String },
}

/// The sandbox limit a script went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptLimit {
    /// `max_operations`.
    Operations,
    /// `max_call_depth`.
    CallDepth,
    /// `max_string_len`, `max_array_len` or `max_map_len`.
    Size,
    /// Modules: none may be imported.
    Modules,
    /// Variables in scope.
    Variables,
    /// `max_time`, the wall-clock budget.
    Time,
}

impl ScriptLimit {
    /// The limit behind a Rhai error, looking through calls of script functions.
    fn of(e: &rhai::EvalAltResult) -> Option<ScriptLimit> {
        use rhai::EvalAltResult as E;
        match e {
            E::ErrorTooManyOperations(..) => Some(ScriptLimit::Operations),
            E::ErrorStackOverflow(..) => Some(ScriptLimit::CallDepth),
            E::ErrorDataTooLarge(..) => Some(ScriptLimit::Size),
            E::ErrorTooManyModules(..) => Some(ScriptLimit::Modules),
            E::ErrorTooManyVariables(..) => Some(ScriptLimit::Variables),
            E::ErrorTerminated(..) => Some(ScriptLimit::Time),
            E::ErrorInFunctionCall(_, _, inner, _) | E::ErrorInModule(_, inner, _) => {
                ScriptLimit::of(inner)
            }
            _ => None,
        }
    }
}

impl ScriptError {
    fn compile(e: rhai::ParseError) -> ScriptError {
        ScriptError::Compile {
            message: e.to_string(),
        }
    }

    fn eval(e: &rhai::EvalAltResult) -> ScriptError {
        let message = match e {
            rhai::EvalAltResult::ErrorTerminated(..) => {
                "the script ran past its time limit".to_string()
            }
            other => other.to_string(),
        };
        match ScriptLimit::of(e) {
            Some(what) => ScriptError::Limit { what, message },
            None => ScriptError::Runtime { message },
        }
    }

    fn value(e: impl std::fmt::Display) -> ScriptError {
        ScriptError::Value {
            message: e.to_string(),
        }
    }
}

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
    pub fn compile(&self, source: &str) -> Result<Compiled, ScriptError> {
        self.engine
            .compile(source)
            .map(|ast| Compiled(Arc::new(ast)))
            .map_err(ScriptError::compile)
    }

    /// Compile a single expression.
    pub fn compile_expression(&self, source: &str) -> Result<Compiled, ScriptError> {
        self.engine
            .compile_expression(source)
            .map(|ast| Compiled(Arc::new(ast)))
            .map_err(ScriptError::compile)
    }

    /// Evaluate with `vars`, `contact` and `ticket` in scope; returns the result as JSON and
    /// the (possibly changed) `vars`.
    pub fn eval(&self, code: &Compiled, cx: &ScriptContext) -> Result<(Value, Value), ScriptError> {
        let mut scope = Scope::new();
        scope.push("vars", to_dynamic(&cx.vars)?);
        scope.push_constant("contact", to_dynamic(&cx.contact)?);
        scope.push_constant("ticket", to_dynamic(&cx.ticket)?);
        DEADLINE.with(|d| d.set(Some(Instant::now() + self.limits.max_time)));
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &code.0);
        DEADLINE.with(|d| d.set(None));
        let result = result.map_err(|e| ScriptError::eval(&e))?;
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

fn to_dynamic(v: &Value) -> Result<Dynamic, ScriptError> {
    if v.is_null() {
        return Ok(Dynamic::from(Map::new()));
    }
    rhai::serde::to_dynamic(v).map_err(ScriptError::value)
}

fn from_dynamic(d: &Dynamic) -> Result<Value, ScriptError> {
    rhai::serde::from_dynamic::<Value>(d).map_err(ScriptError::value)
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
        let err = s.eval(&forever, &cx()).unwrap_err().to_string();
        assert!(err.contains("operations") || err.contains("time"), "{err}");
        let big = s.compile("let s = \"x\"; loop { s += s; }").unwrap();
        assert!(s.eval(&big, &cx()).is_err());
        let deep = s.compile("fn f(n) { f(n + 1) } f(0)").unwrap();
        assert!(s.eval(&deep, &cx()).is_err());
    }

    #[test]
    fn errors_say_which_kind() {
        let s = Scripts::default();
        let bad = s.compile_expression("1 +").unwrap_err();
        assert!(matches!(bad, ScriptError::Compile { .. }), "{bad:?}");
        assert!(matches!(
            s.compile("let = 2;").unwrap_err(),
            ScriptError::Compile { .. }
        ));

        let forever = s.compile("loop { }").unwrap();
        let err = s.eval(&forever, &cx()).unwrap_err();
        assert!(
            matches!(
                err,
                ScriptError::Limit {
                    what: ScriptLimit::Operations | ScriptLimit::Time,
                    ..
                }
            ),
            "{err:?}"
        );
        let few = Scripts::new(ScriptLimits {
            max_operations: 50,
            max_time: Duration::from_secs(60),
            ..ScriptLimits::default()
        });
        let err = few.eval(&forever, &cx()).unwrap_err();
        assert!(
            matches!(
                err,
                ScriptError::Limit {
                    what: ScriptLimit::Operations,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("Too many operations"), "{err}");

        let slow = Scripts::new(ScriptLimits {
            max_operations: u64::MAX,
            max_time: Duration::from_millis(5),
            ..ScriptLimits::default()
        });
        let err = slow.eval(&forever, &cx()).unwrap_err();
        assert_eq!(
            err,
            ScriptError::Limit {
                what: ScriptLimit::Time,
                message: "the script ran past its time limit".into()
            }
        );

        let deep = s.compile("fn f(n) { f(n + 1) } f(0)").unwrap();
        assert!(matches!(
            s.eval(&deep, &cx()).unwrap_err(),
            ScriptError::Limit {
                what: ScriptLimit::CallDepth,
                ..
            }
        ));
        let big = s.compile("let s = \"x\"; loop { s += s; }").unwrap();
        assert!(matches!(
            s.eval(&big, &cx()).unwrap_err(),
            ScriptError::Limit {
                what: ScriptLimit::Size,
                ..
            }
        ));

        let unknown = s.compile_expression("no_such_function(1)").unwrap();
        let err = s.eval(&unknown, &cx()).unwrap_err();
        assert!(matches!(err, ScriptError::Runtime { .. }), "{err:?}");
        assert!(err.to_string().contains("no_such_function"), "{err}");

        let closure = s.compile_expression("|x| x").unwrap();
        let err = s.eval(&closure, &cx()).unwrap_err();
        assert!(matches!(err, ScriptError::Value { .. }), "{err:?}");
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

//! A module checked against its manifest before it is accepted: it parses as Wasm, exports a
//! function for every declared node, and imports only the Extism kernel and the host
//! functions its manifest grants — no WASI, no other host.

use std::collections::BTreeSet;

use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

use crate::manifest::PluginManifest;

/// Largest module accepted, in bytes (its base64 fits the API's 10 MiB body limit).
pub const MAX_MODULE_BYTES: usize = 7 * 1024 * 1024;

const KERNEL: &str = "extism:host/env";
const USER: &str = "extism:host/user";
/// The kernel functions a plugin may import: its memory, its input, its output and error.
/// (Logging to the server's log, kernel variables and Extism's own HTTP are not offered.)
const KERNEL_FUNCTIONS: &[&str] = &[
    "alloc",
    "free",
    "length",
    "length_unsafe",
    "load_u8",
    "load_u64",
    "store_u8",
    "store_u64",
    "input_length",
    "input_offset",
    "input_load_u8",
    "input_load_u64",
    "output_set",
    "error_set",
    "error_get",
    "config_get",
];
/// Largest table a module may declare (entries); tables must declare their maximum.
const MAX_TABLE: u64 = 10_000;

/// What a module imports and exports.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ModuleShape {
    /// `(module, name)` of every imported function (and other imports, named as such).
    pub imports: BTreeSet<(String, String)>,
    pub exported_functions: BTreeSet<String>,
    /// Problems of the module whatever its manifest: unbounded tables.
    pub problems: Vec<String>,
}

/// Read the imports and exports of `wasm` (a binary module, or WAT text).
pub fn shape(wasm: &[u8]) -> Result<ModuleShape, String> {
    if wasm.len() > MAX_MODULE_BYTES {
        return Err(format!(
            "the module is {} bytes; at most {MAX_MODULE_BYTES}",
            wasm.len()
        ));
    }
    let binary;
    let bytes = if wasm.starts_with(b"\0asm") {
        wasm
    } else {
        binary = wat::parse_bytes(wasm).map_err(|e| format!("not a Wasm module: {e}"))?;
        &binary[..]
    };
    let mut out = ModuleShape::default();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| format!("not a valid Wasm module: {e}"))? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| format!("bad import section: {e}"))?;
                    let name = match import.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => import.name.to_string(),
                        _ => format!("{} (not a function)", import.name),
                    };
                    out.imports.insert((import.module.to_string(), name));
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(|e| format!("bad table section: {e}"))?;
                    let ty = table.ty;
                    if ty.initial > MAX_TABLE || ty.maximum.is_none_or(|m| m > MAX_TABLE) {
                        out.problems.push(format!(
                            "a table must declare a maximum of at most {MAX_TABLE} entries"
                        ));
                    }
                }
            }
            // Start code would run as the instance is made, before a call's time limit
            // applies: initialisation is an exported `tucan_init`, called as a timed call.
            Payload::StartSection { .. } => out
                .problems
                .push("a start function is not allowed; export it as tucan_init instead".into()),
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| format!("bad export section: {e}"))?;
                    if export.kind == ExternalKind::Func {
                        out.exported_functions.insert(export.name.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    wasmparser::Validator::new()
        .validate_all(bytes)
        .map_err(|e| format!("not a valid Wasm module: {e}"))?;
    Ok(out)
}

/// Every reason the module does not fit its manifest; empty when it does.
pub fn check(manifest: &PluginManifest, wasm: &[u8]) -> Vec<String> {
    let shape = match shape(wasm) {
        Ok(s) => s,
        Err(e) => return vec![e],
    };
    let mut out = shape.problems.clone();
    // Extism runs these itself when it makes an instance, outside any time limit.
    for name in ["_initialize", "__wasm_call_ctors", "hs_init", "_start"] {
        if shape.exported_functions.contains(name) {
            out.push(format!(
                "exports {name}, which would run untimed; export tucan_init instead"
            ));
        }
    }
    for node in &manifest.nodes {
        if !shape.exported_functions.contains(&node.id) {
            out.push(format!(
                "node {:?} has no exported function of that name",
                node.id
            ));
        }
    }
    for (module, name) in &shape.imports {
        match module.as_str() {
            KERNEL if KERNEL_FUNCTIONS.contains(&name.as_str()) => {}
            KERNEL => out.push(format!(
                "imports the kernel function {name}, which plugins may not use"
            )),
            USER if manifest.grants.host_functions.contains(name) => {}
            USER if crate::host::HOST_FUNCTIONS.contains(&name.as_str()) => out.push(format!(
                "imports {name}, which the manifest does not grant"
            )),
            USER => out.push(format!("imports {name}, which is not a host function")),
            _ => out.push(format!(
                "imports {module}::{name}; only the Extism kernel and granted host functions may be imported"
            )),
        }
    }
    out
}

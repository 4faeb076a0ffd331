#!/usr/bin/env node
// Lists a plugin module's imports and exports and, given its manifest, checks the two
// against each other the way an upload is checked.
//
//   node inspect.mjs <plugin.wasm> [plugin.json]
//
// Exits 1 and names every problem when the check fails.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const ENV_MODULE = "extism:host/env";
export const USER_MODULE = "extism:host/user";

export const HOST_FUNCTIONS = [
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

const PLUGIN_ID = /^[a-z][a-z0-9-]{2,39}$/;
const NODE_ID = /^[a-z0-9_]+$/;
const PORT = /^[a-z0-9_]+$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const COLOR = /^#[0-9a-fA-F]{6}$/;
const HTTP_HOST = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/i;

/** Problems with the manifest alone. */
export function manifestProblems(m) {
  const p = [];
  const str = (v) => typeof v === "string" && v.trim() !== "";
  if (!m || typeof m !== "object") return ["the manifest is not a JSON object"];
  if (!PLUGIN_ID.test(m.id ?? "")) p.push(`id "${m.id}" must be 3-40 characters of a-z, 0-9 and '-', starting with a letter`);
  if (!str(m.name)) p.push("name is missing");
  if (!SEMVER.test(m.version ?? "")) p.push(`version "${m.version}" is not MAJOR.MINOR.PATCH`);
  if (!str(m.author)) p.push("author is missing");
  if (!str(m.description)) p.push("description is missing");
  if (!Array.isArray(m.nodes) || m.nodes.length === 0) p.push("nodes must list at least one node");
  const seen = new Set();
  for (const n of m.nodes ?? []) {
    const at = `node "${n.id}"`;
    if (!NODE_ID.test(n.id ?? "")) p.push(`${at}: id must be a-z, 0-9 and '_'`);
    if (seen.has(n.id)) p.push(`${at} is declared twice`);
    seen.add(n.id);
    if (!str(n.title)) p.push(`${at}: title is missing`);
    const schema = n.config_schema;
    if (!schema || schema.type !== "object") p.push(`${at}: config_schema must be a JSON Schema of type "object"`);
    const outs = n.outputs;
    if (!Array.isArray(outs) || outs.length < 1 || outs.length > 16) p.push(`${at}: outputs must name 1 to 16 ports`);
    else if (outs.some((o) => !PORT.test(o)) || new Set(outs).size !== outs.length) p.push(`${at}: output ports must be distinct names of a-z, 0-9 and '_'`);
    if (n.color !== undefined && !COLOR.test(n.color)) p.push(`${at}: color must be #rrggbb`);
  }
  const g = m.grants;
  if (!g || typeof g !== "object") return [...p, "grants is missing"];
  for (const f of g.host_functions ?? []) {
    if (!HOST_FUNCTIONS.includes(f)) p.push(`grants.host_functions names "${f}", which is not a host function`);
  }
  for (const h of g.http_hosts ?? []) {
    if (!HTTP_HOST.test(h)) p.push(`grants.http_hosts entry "${h}" is not a host name or *.domain`);
  }
  if (!(Number.isInteger(g.max_memory_mb) && g.max_memory_mb >= 1 && g.max_memory_mb <= 256)) p.push("grants.max_memory_mb must be 1..256");
  if (!(Number.isInteger(g.timeout_ms) && g.timeout_ms >= 10 && g.timeout_ms <= 30000)) p.push("grants.timeout_ms must be 10..30000");
  return p;
}

/** Problems between a compiled module and its manifest. */
export function moduleProblems(module, manifest) {
  const p = [];
  const granted = new Set(manifest?.grants?.host_functions ?? []);
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === USER_MODULE) {
      if (!HOST_FUNCTIONS.includes(imp.name)) p.push(`imports ${imp.name}, which is not a host function`);
      else if (!granted.has(imp.name)) p.push(`imports ${imp.name}, which the manifest does not grant`);
    } else if (imp.module !== ENV_MODULE) {
      p.push(`imports ${imp.module}.${imp.name}: only ${ENV_MODULE} and ${USER_MODULE} may be imported`);
    }
  }
  const functions = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name));
  for (const n of manifest?.nodes ?? []) {
    if (!functions.has(n.id)) p.push(`node "${n.id}" has no exported function of that name`);
  }
  return p;
}

function describe(module) {
  const lines = [];
  for (const i of WebAssembly.Module.imports(module)) lines.push(`  import ${i.module} ${i.name} (${i.kind})`);
  for (const e of WebAssembly.Module.exports(module)) lines.push(`  export ${e.name} (${e.kind})`);
  return lines.join("\n");
}

function main(args) {
  if (args.length < 1 || args.length > 2) {
    console.error("usage: node inspect.mjs <plugin.wasm> [plugin.json]");
    return 2;
  }
  const [wasmPath, manifestPath] = args;
  const bytes = readFileSync(wasmPath);
  const module = new WebAssembly.Module(bytes);
  console.log(`${wasmPath} (${bytes.length} bytes)`);
  console.log(describe(module));
  if (!manifestPath) return 0;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const problems = [...manifestProblems(manifest), ...moduleProblems(module, manifest)];
  for (const problem of problems) console.error(`  PROBLEM: ${problem}`);
  if (problems.length > 0) return 1;
  console.log(`  ok: matches ${manifestPath}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}

#!/usr/bin/env node
// Runs one node of a plugin on this machine, without the server: a stand-in for
// `tucanlink plugin test` while writing a plugin.
//
//   node run-local.mjs <plugin.wasm> <plugin.json> --node <id>
//        [--input '{"config":{…},"message":"…"}'] [--vars '{…}'] [--contact '{…}']
//        [--ticket '{…}'] [--kv '{"key":<json>,…}'] [--http '{"status":200,"body":"…"}']
//
// The Extism kernel (`extism:host/env`) is imitated in JavaScript: blocks live in a byte
// array of their own, as they live in the kernel's memory under the server. The host
// functions behave as the server's do, except `tucan_http`, which makes no request: it
// checks the grant and answers with the `--http` response. The call runs in a worker
// thread so `grants.timeout_ms` can be enforced; `max_memory_mb` is enforced on Extism
// blocks only, not on the module's own memory.

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { ENV_MODULE, USER_MODULE, manifestProblems, moduleProblems } from "./inspect.mjs";

const MAX_OUTPUT_BYTES = 1024 * 1024;
const MAX_LOG_CHARS = 1000;
const MAX_LOG_LINES = 100;
const KV_MAX_KEY = 200;
const KV_MAX_VALUE = 64 * 1024;
const KV_MAX_TOTAL = 1024 * 1024;

const encoder = new TextEncoder();
const lenient = new TextDecoder();
const strict = new TextDecoder("utf-8", { fatal: true });

/** Extism memory blocks: offset → length, in a byte array that grows on demand. */
class Kernel {
  constructor(maxBytes) {
    this.maxBytes = maxBytes;
    this.bytes = new Uint8Array(64 * 1024);
    this.next = 64; // offset 0 means "nothing", so no block starts there
    this.blocks = new Map();
    this.input = { at: 0, length: 0 };
    this.output = { at: 0, length: 0 };
    this.error = 0;
  }

  alloc(n) {
    if (n <= 0) return 0;
    if (this.next + n > this.maxBytes) return 0;
    if (this.next + n > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.next + n));
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    const at = this.next;
    this.next += n;
    this.blocks.set(at, n);
    return at;
  }

  put(bytes) {
    const at = this.alloc(bytes.length);
    if (bytes.length > 0 && at === 0) throw new Error("out of Extism memory");
    this.bytes.set(bytes, at);
    return at;
  }

  putText(text) {
    return this.put(encoder.encode(text));
  }

  read(at) {
    const n = this.blocks.get(at);
    return n === undefined ? null : this.bytes.subarray(at, at + n);
  }

  text(at) {
    const bytes = this.read(at);
    return bytes === null ? null : lenient.decode(bytes);
  }

  check(at, n) {
    if (at <= 0 || at + n > this.bytes.length) throw new Error(`Extism memory access out of bounds at ${at}`);
  }

  /** The `extism:host/env` functions. Offsets and lengths are i64, i.e. BigInt in JavaScript. */
  imports(trace) {
    const k = this;
    const dv = () => new DataView(k.bytes.buffer);
    const log = (level) => (at) => trace.push(`[${level}] ${k.text(Number(at))}`);
    return {
      alloc: (n) => BigInt(k.alloc(Number(n))),
      free: (at) => void k.blocks.delete(Number(at)),
      length: (at) => BigInt(k.blocks.get(Number(at)) ?? 0),
      length_unsafe: (at) => BigInt(k.blocks.get(Number(at)) ?? 0),
      load_u8: (at) => (k.check(Number(at), 1), k.bytes[Number(at)]),
      load_u64: (at) => (k.check(Number(at), 8), dv().getBigUint64(Number(at), true)),
      store_u8: (at, v) => (k.check(Number(at), 1), (k.bytes[Number(at)] = v)),
      store_u64: (at, v) => (k.check(Number(at), 8), dv().setBigUint64(Number(at), v, true)),
      input_length: () => BigInt(k.input.length),
      input_offset: () => BigInt(k.input.at),
      input_load_u8: (i) => k.bytes[k.input.at + Number(i)],
      input_load_u64: (i) => dv().getBigUint64(k.input.at + Number(i), true),
      output_set: (at, n) => void (k.output = { at: Number(at), length: Number(n) }),
      output_length: () => BigInt(k.output.length),
      output_offset: () => BigInt(k.output.at),
      error_set: (at) => void (k.error = Number(at)),
      error_get: () => BigInt(k.error),
      config_get: () => 0n,
      var_get: () => 0n,
      var_set: () => {},
      http_request: () => {
        throw new Error("Extism's http_request is not available to TucanLink plugins; use tucan_http");
      },
      http_status_code: () => 0,
      get_log_level: () => 0,
      log_trace: log("trace"),
      log_debug: log("debug"),
      log_info: log("info"),
      log_warn: log("warn"),
      log_error: log("error"),
      memory_bytes: () => BigInt(k.next),
      reset: () => {},
    };
  }
}

function hostGranted(host, granted) {
  return granted.some((g) => (g.startsWith("*.") ? host.endsWith(g.slice(1)) : host === g));
}

/** The `extism:host/user` functions, only those the manifest grants. */
function hostFunctions(k, state, manifest) {
  const text = (at) => k.text(Number(at));
  const json = (value) => BigInt(k.putText(JSON.stringify(value ?? null)));
  let logged = 0;
  const all = {
    tucan_var_get: (name) => json(state.vars[text(name)]),
    tucan_var_set: (name, value) => {
      state.vars[text(name)] = JSON.parse(text(value));
    },
    tucan_contact: () => json(state.contact),
    tucan_ticket: () => json(state.ticket),
    tucan_log: (at) => {
      if (logged++ < MAX_LOG_LINES) state.trace.push(String(text(at) ?? "").slice(0, MAX_LOG_CHARS));
    },
    tucan_kv_get: (key) => {
      const value = state.kv.get(text(key));
      return BigInt(k.putText(value ?? "null"));
    },
    tucan_kv_set: (key, value) => {
      const name = text(key) ?? "";
      const body = text(value) ?? "null";
      JSON.parse(body); // a value that is not JSON traps, as under the server
      const bytes = (t) => Buffer.byteLength(t, "utf8");
      let total = 0;
      for (const [kk, vv] of state.kv) if (kk !== name) total += bytes(kk) + bytes(vv);
      const fits = name.length <= KV_MAX_KEY && bytes(body) <= KV_MAX_VALUE && total + bytes(name) + bytes(body) <= KV_MAX_TOTAL;
      if (!fits) return 1;
      state.kv.set(name, body);
      return 0;
    },
    tucan_kv_delete: (key) => void state.kv.delete(text(key)),
    tucan_now: () => BigInt(Date.now()),
    tucan_http: (at) => {
      const req = JSON.parse(text(at));
      state.requests.push(req);
      let host;
      try {
        host = new URL(req.url).hostname;
      } catch {
        return json({ error: `BAD_URL: ${req.url}` });
      }
      if (!hostGranted(host, manifest.grants.http_hosts ?? [])) return json({ error: `HOST_NOT_GRANTED: ${host}` });
      return json(state.http ?? { error: "NO_NETWORK: run-local makes no requests; pass --http with the response" });
    },
  };
  const granted = {};
  for (const name of manifest.grants.host_functions ?? []) if (all[name]) granted[name] = all[name];
  return granted;
}

/** Checks the output the way the server does and returns `{ port, vars }` or an error code. */
function readOutput(k, node) {
  if (k.output.length > MAX_OUTPUT_BYTES) return { code: "PLUGIN_BAD_OUTPUT", error: `output of ${k.output.length} bytes is over 1 MiB` };
  let out;
  try {
    out = JSON.parse(strict.decode(k.bytes.subarray(k.output.at, k.output.at + k.output.length)));
  } catch {
    return { code: "PLUGIN_BAD_OUTPUT", error: "output is not UTF-8 JSON" };
  }
  if (!out || typeof out !== "object" || !node.outputs.includes(out.port)) {
    return { code: "PLUGIN_BAD_OUTPUT", error: `output port ${JSON.stringify(out?.port)} is not one of ${node.outputs.join(", ")}` };
  }
  if (out.vars !== undefined && (typeof out.vars !== "object" || out.vars === null || Array.isArray(out.vars))) {
    return { code: "PLUGIN_BAD_OUTPUT", error: "vars must be a JSON object" };
  }
  return { port: out.port, vars: out.vars ?? {} };
}

/** Runs in the worker: instantiate, call the node's export once, report. */
function execute(job, started) {
  const manifest = job.manifest;
  const module = new WebAssembly.Module(job.wasm);
  const problems = [...manifestProblems(manifest), ...moduleProblems(module, manifest)];
  if (problems.length > 0) return { code: "PLUGIN_INVALID", problems };
  const node = manifest.nodes.find((n) => n.id === job.node);
  if (!node) return { code: "PLUGIN_INVALID", problems: [`the manifest has no node "${job.node}"`] };

  const k = new Kernel(manifest.grants.max_memory_mb * 1024 * 1024);
  const state = {
    vars: { ...job.vars },
    contact: job.contact,
    ticket: job.ticket,
    kv: new Map(Object.entries(job.kv ?? {}).map(([key, v]) => [key, JSON.stringify(v)])),
    http: job.http,
    trace: [],
    requests: [],
  };
  const instance = new WebAssembly.Instance(module, {
    [ENV_MODULE]: k.imports(state.trace),
    [USER_MODULE]: hostFunctions(k, state, manifest),
  });
  const input = encoder.encode(JSON.stringify(job.input));
  k.input = { at: k.put(input), length: input.length };

  const report = (extra) => ({
    ...extra,
    trace: state.trace,
    http_requests: state.requests,
    kv: Object.fromEntries([...state.kv].map(([key, v]) => [key, JSON.parse(v)])),
  });
  started();
  let rc;
  try {
    // As the host does: a new instance is initialised by its tucan_init export first.
    if (typeof instance.exports.tucan_init === "function") instance.exports.tucan_init();
    rc = instance.exports[job.node]();
  } catch (e) {
    const why = k.error ? k.text(k.error) : String(e.message ?? e);
    return report({ code: "PLUGIN_TRAP", error: why });
  }
  if (rc !== 0) return report({ code: "PLUGIN_TRAP", error: k.error ? k.text(k.error) : `returned ${rc}` });
  const result = readOutput(k, node);
  if (result.code) return report(result);
  return report({ port: result.port, vars: result.vars, run_vars: { ...state.vars, ...result.vars } });
}

/**
 * Runs `node` of the plugin once. Options: wasm (bytes), manifest (object), node, input
 * (`{ config, message }`), vars, contact, ticket, kv (`{ key: value }`), http (the response
 * every granted request gets). Resolves to `{ port, vars, run_vars, trace, kv, http_requests }`
 * or `{ code, error | problems, … }`.
 */
export function runPlugin(options) {
  const job = {
    input: { config: {}, message: null },
    vars: {},
    contact: null,
    ticket: null,
    ...options,
  };
  const timeoutMs = job.manifest?.grants?.timeout_ms ?? 1000;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let timer = null;
    worker.on("message", (msg) => {
      if (msg === "started") {
        timer = setTimeout(() => {
          worker.terminate();
          resolve({ code: "PLUGIN_TIMEOUT", error: `no answer within ${timeoutMs} ms` });
        }, timeoutMs);
        return;
      }
      clearTimeout(timer);
      worker.terminate();
      resolve(msg);
    });
    worker.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function parseArgs(args) {
  const [wasm, manifest, ...rest] = args;
  const opts = { wasm: wasm && readFileSync(wasm), manifest: manifest && JSON.parse(readFileSync(manifest, "utf8")) };
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i].replace(/^--/, "");
    const value = rest[i + 1];
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    opts[flag] = flag === "node" ? value : JSON.parse(value);
  }
  if (!opts.wasm || !opts.manifest || !opts.node) {
    throw new Error("usage: node run-local.mjs <plugin.wasm> <plugin.json> --node <id> [--input json] [--vars json] [--contact json] [--ticket json] [--kv json] [--http json]");
  }
  return opts;
}

if (!isMainThread && workerData?.wasm) {
  parentPort.postMessage(execute(workerData, () => parentPort.postMessage("started")));
} else if (isMainThread && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const result = await runPlugin(parseArgs(process.argv.slice(2)));
    console.log(JSON.stringify(result, null, 2));
    process.exitCode = result.code ? 1 : 0;
  } catch (e) {
    console.error(e.message);
    process.exitCode = 2;
  }
}

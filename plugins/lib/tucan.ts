// The TucanLink plugin SDK for AssemblyScript: the call's input and output, and typed
// wrappers around the host functions of `extism:host/user`.
//
// Every string crosses the boundary as an Extism memory block holding UTF-8 text; the
// wrappers allocate, read and free those blocks so plugin code only sees strings.
// AssemblyScript emits an import only for the functions a plugin actually calls, so a
// module asks for no more than it uses — and its manifest must grant exactly those.

import { Host, Memory } from "@extism/as-pdk";
import { error_set, free, length } from "@extism/as-pdk/lib/env";
import { Json, jsonObject, jsonString, parseJson } from "./json";

@external("extism:host/user", "tucan_var_get")
declare function tucan_var_get(name: u64): u64;
@external("extism:host/user", "tucan_var_set")
declare function tucan_var_set(name: u64, value: u64): void;
@external("extism:host/user", "tucan_contact")
declare function tucan_contact(): u64;
@external("extism:host/user", "tucan_ticket")
declare function tucan_ticket(): u64;
@external("extism:host/user", "tucan_log")
declare function tucan_log(text: u64): void;
@external("extism:host/user", "tucan_kv_get")
declare function tucan_kv_get(key: u64): u64;
@external("extism:host/user", "tucan_kv_set")
declare function tucan_kv_set(key: u64, value: u64): i32;
@external("extism:host/user", "tucan_kv_delete")
declare function tucan_kv_delete(key: u64): void;
@external("extism:host/user", "tucan_now")
declare function tucan_now(): i64;
@external("extism:host/user", "tucan_http")
declare function tucan_http(request: u64): u64;

// ---- memory blocks ----

/** Copies `text` into a new Extism block; 0 ("nothing") for the empty string. */
function toBlock(text: string): u64 {
  if (text.length == 0) return 0;
  return Memory.allocateString(text).offset;
}

/** Reads a block the host returned and frees it; `whenEmpty` for offset 0. */
function fromBlock(offset: u64, whenEmpty: string): string {
  if (offset == 0) return whenEmpty;
  const text = new Memory(offset, length(offset)).toString();
  free(offset);
  return text;
}

// ---- the call ----

/** What the host passes to a node's export. */
export class Input {
  /** The node's config from the flow, templates already rendered. */
  config: Json = jsonObject();
  /** The customer's last text message, or null. */
  message: string | null = null;
}

/** Reads the call's input JSON `{ "config": …, "message": … }`. */
export function readInput(): Input {
  const parsed = parseJson(Host.inputString());
  if (!parsed || !parsed.isObject()) abort("the call input is not a JSON object");
  const input = new Input();
  const config = parsed!.get("config");
  if (config.isObject()) input.config = config;
  const message = parsed!.get("message");
  if (message.isString()) input.message = message.str();
  return input;
}

/**
 * Ends the call on output `port`, merging `vars` into the run's variables.
 * Returns the export's result code, so a node can `return respond(...)`.
 */
export function respond(port: string, vars: Json = jsonObject()): i32 {
  const out = jsonObject().set("port", jsonString(port)).set("vars", vars);
  // Host.output takes bytes: the block length must be the UTF-8 length, not the
  // number of UTF-16 code units, or any accented letter would cut the output short.
  Host.output(Uint8Array.wrap(String.UTF8.encode(out.stringify())));
  return 0;
}

/** Fails the step with `message` (shown in the run trace). Returns the export's result code. */
export function fail(message: string): i32 {
  error_set(toBlock(message));
  return 1;
}

let aborting = false;

/**
 * Replaces AssemblyScript's `env.abort` import (build with
 * `--use abort=lib/tucan/abortHandler`): records the reason as the call's error, then traps.
 */
export function abortHandler(
  message: string | null = null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0,
): void {
  // Building the message allocates; if that is what failed, do not try again.
  if (aborting) unreachable();
  aborting = true;
  const where = fileName !== null ? " at " + fileName + ":" + line.toString() + ":" + column.toString() : "";
  error_set(toBlock((message !== null ? message : "abort") + where));
  unreachable();
}

// ---- host functions ----

/** The run variable `name` as JSON text (`null` when unset). */
export function varGet(name: string): string {
  return fromBlock(tucan_var_get(toBlock(name)), "null");
}

/** Sets the run variable `name` to the JSON text `valueJson`. */
export function varSet(name: string, valueJson: string): void {
  tucan_var_set(toBlock(name), toBlock(valueJson));
}

/** The run's contact as JSON `{ id, name, phone, email, tags, fields }`, or `null`. */
export function contact(): string {
  return fromBlock(tucan_contact(), "null");
}

/** The run's ticket as JSON `{ id, status, queue_id, user_id, tags }`, or `null`. */
export function ticket(): string {
  return fromBlock(tucan_ticket(), "null");
}

/** Adds a line to the run's trace. */
export function log(text: string): void {
  tucan_log(toBlock(text));
}

/** The JSON text stored under `key` for this plugin and company, or `null`. */
export function kvGet(key: string): string {
  return fromBlock(tucan_kv_get(toBlock(key)), "null");
}

/** Stores the JSON text `valueJson` under `key`; false when the quota is exceeded. */
export function kvSet(key: string, valueJson: string): bool {
  return tucan_kv_set(toBlock(key), toBlock(valueJson)) == 0;
}

/** Removes `key`. */
export function kvDelete(key: string): void {
  tucan_kv_delete(toBlock(key));
}

/** Unix time in milliseconds. */
export function now(): i64 {
  return tucan_now();
}

/**
 * Makes an HTTP request to a granted host. `requestJson` is
 * `{ "method", "url", "headers"?, "body"?, "timeout_ms"? }`; the answer is
 * `{ "status", "body" }` or `{ "error": "…" }`.
 */
export function http(requestJson: string): string {
  return fromBlock(tucan_http(toBlock(requestJson)), '{"error":"no response"}');
}

// crm-lookup: finds the customer in an external CRM by the contact's phone number.
//
// Node `lookup` asks `<base_url>/customers?phone=<phone>` and continues on `found` with the
// CRM's record in `crm_customer`, on `not_found` when the CRM answers 404, or on `error`
// with `crm_error` for anything else. Found records are cached in the plugin's storage for
// this company, so a customer who writes several times in a few minutes costs one request.

import { Json, jsonBool, jsonNull, jsonNumber, jsonObject, jsonString, parseJson } from "../lib/json";
import { contact, fail, http, kvGet, kvSet, log, now, readInput, respond } from "../lib/tucan";

const DEFAULT_TTL_SECONDS = 600;
const DEFAULT_TIMEOUT_MS = 3000;

export function lookup(): i32 {
  const config = readInput().config;
  const baseUrl = withoutTrailingSlash(config.get("base_url").str());
  if (!baseUrl.startsWith("https://") && !baseUrl.startsWith("http://")) {
    return fail("config.base_url must start with https:// or http://");
  }

  const phone = contactPhone();
  if (phone == "") return error("the contact has no phone number");

  const ttlMs = <i64>config.get("cache_ttl_seconds").num(DEFAULT_TTL_SECONDS) * 1000;
  const cacheKey = "phone:" + phone;
  if (ttlMs > 0) {
    const cached = readCache(cacheKey, ttlMs);
    if (cached !== null) {
      log("CRM record for " + phone + " taken from the cache");
      return found(cached, true);
    }
  }

  const url = baseUrl + "/customers?phone=" + encodeURIComponent(phone);
  const reply = parseJson(http(request(url, config).stringify()));
  if (reply === null || !reply.isObject()) return error("the HTTP answer is not JSON");
  // The host reports requests it refused or could not make as { "error": "…" }.
  if (reply.has("error")) return error(reply.get("error").str("request failed"));

  const status = <i32>reply.get("status").num(0);
  if (status == 404) {
    log("no CRM record for " + phone);
    return respond("not_found", jsonObject().set("crm_customer", jsonNull()).set("crm_error", jsonNull()));
  }
  if (status != 200) return error("the CRM answered HTTP " + status.toString());

  const customer = parseJson(reply.get("body").str());
  if (customer === null || !customer.isObject()) return error("the CRM answered 200 with a body that is not a JSON object");
  if (ttlMs > 0) writeCache(cacheKey, customer);
  log("CRM record found for " + phone);
  return found(customer, false);
}

function found(customer: Json, cached: bool): i32 {
  const vars = jsonObject()
    .set("crm_customer", customer)
    .set("crm_cached", jsonBool(cached))
    .set("crm_error", jsonNull());
  return respond("found", vars);
}

function error(why: string): i32 {
  log("CRM lookup failed: " + why);
  return respond("error", jsonObject().set("crm_customer", jsonNull()).set("crm_error", jsonString(why)));
}

function contactPhone(): string {
  const c = parseJson(contact());
  return c !== null ? c.get("phone").str().trim() : "";
}

function request(url: string, config: Json): Json {
  const headers = jsonObject().set("accept", jsonString("application/json"));
  const token = config.get("token").str();
  if (token != "") headers.set("authorization", jsonString("Bearer " + token));
  const timeout = config.get("timeout_ms").num(DEFAULT_TIMEOUT_MS);
  return jsonObject()
    .set("method", jsonString("GET"))
    .set("url", jsonString(url))
    .set("headers", headers)
    .set("timeout_ms", jsonNumber(timeout));
}

/** The cached record when it was stored less than `ttlMs` ago, else null. */
function readCache(key: string, ttlMs: i64): Json | null {
  const entry = parseJson(kvGet(key));
  if (entry === null || !entry.isObject()) return null;
  const age = now() - <i64>entry.get("at").num(0);
  // A negative age means the clock went back; treat the entry as stale rather than trust it.
  if (age < 0 || age >= ttlMs) return null;
  const customer = entry.get("customer");
  return customer.isObject() ? customer : null;
}

function writeCache(key: string, customer: Json): void {
  const entry = jsonObject().set("at", jsonNumber(<f64>now())).set("customer", customer);
  // A full store only costs a request next time; the lookup itself succeeded.
  if (!kvSet(key, entry.stringify())) log("CRM record not cached: storage quota exceeded");
}

function withoutTrailingSlash(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) == 0x2f) end--;
  return url.substring(0, end);
}

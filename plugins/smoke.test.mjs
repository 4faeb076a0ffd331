// Runs the built example plugins through run-local.mjs (no server needed).
//   bash build.sh && node --test smoke.test.mjs

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runPlugin } from "./run-local.mjs";

function plugin(dir) {
  const url = (name) => new URL(`${dir}/${name}`, import.meta.url);
  return { wasm: readFileSync(url("plugin.wasm")), manifest: JSON.parse(readFileSync(url("plugin.json"), "utf8")) };
}

const docValidator = plugin("doc-validator");
const keywordRouter = plugin("keyword-router");
const crmLookup = plugin("crm-lookup");

const validate = (message, config = {}, vars = {}) =>
  runPlugin({ ...docValidator, node: "validate", input: { config, message }, vars });

test("doc-validator accepts valid CPF, CNPJ and RUT and formats them", async () => {
  const cases = [
    ["meu cpf é 529.982.247-25", "cpf", "529.982.247-25"],
    ["11144477735", "cpf", "111.444.777-35"],
    ["11.222.333/0001-81", "cnpj", "11.222.333/0001-81"],
    ["12345678000195", "cnpj", "12.345.678/0001-95"],
    ["12.345.678-5", "rut", "12.345.678-5"],
    ["10000013-k", "rut", "10.000.013-K"],
    ["1.000.013-0", "rut", "1.000.013-0"],
  ];
  for (const [message, kind, normalized] of cases) {
    const r = await validate(message);
    assert.equal(r.port, "valid", message);
    assert.deepEqual(r.vars, { document_kind: kind, document_normalized: normalized, document_error: null });
  }
});

test("doc-validator names what is wrong", async () => {
  const cases = [
    ["529.982.247-24", {}, "bad_check_digit"],
    ["111.111.111-11", {}, "repeated_digits"],
    ["11.222.333/0001-80", {}, "bad_check_digit"],
    ["12.345.678-K", {}, "bad_check_digit"],
    ["12345", {}, "wrong_length"],
    ["", {}, "empty"],
    ["12.345.678-5", { kinds: ["cpf", "cnpj"] }, "kind_not_allowed"],
  ];
  for (const [message, config, error] of cases) {
    const r = await validate(message, config);
    assert.equal(r.port, "invalid", message);
    assert.equal(r.vars.document_error, error, message);
    assert.equal(r.vars.document_normalized, null);
  }
});

test("doc-validator reads the configured variable before the message", async () => {
  const fromVar = await validate("not a document", { variable: "cpf_text" }, { cpf_text: "529.982.247-25" });
  assert.equal(fromVar.vars.document_normalized, "529.982.247-25");
  const emptyVar = await validate("111.444.777-35", { variable: "cpf_text" }, { cpf_text: "  " });
  assert.equal(emptyVar.vars.document_normalized, "111.444.777-35");
  const numberVar = await validate(null, {}, { document: 52998224725 });
  assert.equal(numberVar.port, "valid");
  assert.match(numberVar.trace[0], /^valid cpf/);
});

const routes = {
  categories: [
    { name: "billing", keywords: ["boleto", "fatura", "segunda via", "pag*"] },
    { name: "support", keywords: ["não funciona", "erro", "internet"] },
    { name: "sales", keywords: ["plano", "preço"] },
  ],
};
const classify = (message, config = routes, kv = {}) =>
  runPlugin({ ...keywordRouter, node: "classify", input: { config, message }, kv });

test("keyword-router scores words and phrases without case, accents or punctuation", async () => {
  const r = await classify("Preciso da SEGUNDA VIA do boleto, o pagamento não foi!");
  assert.equal(r.port, "matched");
  assert.deepEqual(r.vars, { category: "billing", score: 4, scores: { billing: 4, support: 0, sales: 0 } });

  const accents = await classify("a internet NAO FUNCIONA, da erro");
  assert.equal(accents.vars.category, "support");
  assert.equal(accents.vars.score, 4);
});

test("keyword-router matches whole words, breaks ties by order and honours min_score", async () => {
  assert.equal((await classify("relatório de faturamento")).port, "no_match");
  const tie = await classify("qual o preço do boleto?");
  assert.equal(tie.vars.category, "billing");
  const strict = await classify("boleto", { ...routes, min_score: 2 });
  assert.equal(strict.port, "no_match");
  assert.deepEqual(strict.vars, { category: null, score: 1, scores: { billing: 1, support: 0, sales: 0 } });
});

test("keyword-router keeps a per-company hit counter when asked", async () => {
  const r = await classify("fatura", { ...routes, count_hits: true }, { "hits:billing": 41 });
  assert.equal(r.vars.category_hits, 42);
  assert.deepEqual(r.kv, { "hits:billing": 42 });
});

test("keyword-router fails the step on a config without categories", async () => {
  const r = await classify("oi", { categories: [] });
  assert.equal(r.code, "PLUGIN_TRAP");
  assert.match(r.error, /categories/);
});

const ana = { id: "c1", name: "Ana", phone: "+5511987654321", email: null, tags: [], fields: {} };
const lookup = (options) =>
  runPlugin({ ...crmLookup, node: "lookup", input: { config: { base_url: "https://crm.example.com" }, message: null }, contact: ana, ...options });

test("crm-lookup finds the customer, caches the record and reuses it", async () => {
  const body = JSON.stringify({ name: "Ana Souza", tier: "gold" });
  const r = await lookup({ http: { status: 200, body } });
  assert.equal(r.port, "found");
  assert.deepEqual(r.vars.crm_customer, { name: "Ana Souza", tier: "gold" });
  assert.equal(r.vars.crm_cached, false);
  assert.equal(r.http_requests[0].url, "https://crm.example.com/customers?phone=%2B5511987654321");
  const entry = r.kv["phone:+5511987654321"];
  assert.deepEqual(entry.customer, { name: "Ana Souza", tier: "gold" });

  const again = await lookup({ kv: r.kv });
  assert.equal(again.port, "found");
  assert.equal(again.vars.crm_cached, true);
  assert.equal(again.http_requests.length, 0);

  const stale = { "phone:+5511987654321": { at: Date.now() - 11 * 60 * 1000, customer: { name: "old" } } };
  const refreshed = await lookup({ kv: stale, http: { status: 200, body } });
  assert.equal(refreshed.vars.crm_customer.name, "Ana Souza");
  assert.equal(refreshed.http_requests.length, 1);
});

test("crm-lookup maps 404, other statuses and refused requests to their ports", async () => {
  assert.equal((await lookup({ http: { status: 404, body: "" } })).port, "not_found");
  const failed = await lookup({ http: { status: 503, body: "busy" } });
  assert.deepEqual([failed.port, failed.vars.crm_error], ["error", "the CRM answered HTTP 503"]);
  const refused = await lookup({ input: { config: { base_url: "https://other.example.org" }, message: null } });
  assert.equal(refused.port, "error");
  assert.match(refused.vars.crm_error, /^HOST_NOT_GRANTED/);
  const noPhone = await lookup({ contact: null });
  assert.equal(noPhone.vars.crm_error, "the contact has no phone number");
});

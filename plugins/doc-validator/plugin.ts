// doc-validator: checks a Brazilian CPF or CNPJ, or a Chilean RUT, typed by the customer.
//
// Node `validate` reads the document from a run variable (falling back to the customer's
// last message), works out its kind from its length, checks the verifier digits and
// answers on `valid` or `invalid`.

import { Json, jsonNull, jsonObject, jsonString, parseJson } from "../lib/json";
import { Input, log, readInput, respond, varGet } from "../lib/tucan";

const ALL_KINDS = ["cpf", "cnpj", "rut"];

/** A document reduced to its significant characters: digits, and a final K for a RUT. */
class Document {
  constructor(
    public kind: string, // "cpf" | "cnpj" | "rut", or "" when the length fits none
    public chars: string,
  ) {}
}

export function validate(): i32 {
  const input = readInput();
  const text = documentText(input);
  const allowed = allowedKinds(input.config);

  if (text.length == 0) return invalid("", "empty", "no document to validate");

  const doc = classify(text);
  if (doc.kind == "") {
    return invalid("", "wrong_length", "no CPF, CNPJ or RUT has " + doc.chars.length.toString() + " characters");
  }
  if (!allowed.includes(doc.kind)) {
    return invalid(doc.kind, "kind_not_allowed", doc.kind + " is not among the accepted kinds");
  }

  const problem = checkDigits(doc);
  if (problem != "") return invalid(doc.kind, problem, doc.kind + " " + doc.chars + " fails: " + problem);

  const formatted = format(doc);
  log("valid " + doc.kind + " " + formatted);
  const vars = jsonObject()
    .set("document_kind", jsonString(doc.kind))
    .set("document_normalized", jsonString(formatted))
    // Clear an error left by an earlier attempt in the same run.
    .set("document_error", jsonNull());
  return respond("valid", vars);
}

function invalid(kind: string, code: string, why: string): i32 {
  log("invalid: " + why);
  const vars = jsonObject()
    .set("document_kind", kind == "" ? jsonNull() : jsonString(kind))
    .set("document_normalized", jsonNull())
    .set("document_error", jsonString(code));
  return respond("invalid", vars);
}

/** The variable named in the config when it holds text, else the customer's message. */
function documentText(input: Input): string {
  const name = input.config.get("variable").str("document");
  const value = parseJson(varGet(name));
  if (value) {
    if (value.isString() && value.str().trim().length > 0) return value.str();
    // Some integrations store the digits as a JSON number; take its digits as they are.
    if (value.isNumber()) return (<i64>value.num()).toString();
  }
  const message = input.message;
  return message !== null ? message : "";
}

function allowedKinds(config: Json): string[] {
  const kinds = config.get("kinds");
  if (!kinds.isArray()) return ALL_KINDS;
  const allowed: string[] = [];
  for (let i = 0; i < kinds.length; i++) allowed.push(kinds.at(i).str().toLowerCase());
  return allowed;
}

/**
 * Keeps digits and a trailing K, then picks the kind by length: a CPF has 11 digits,
 * a CNPJ 14, a RUT 8 or 9 (a 7- or 8-digit body and its verifier, which may be K).
 */
function classify(text: string): Document {
  let chars = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) chars += String.fromCharCode(c);
    else if (c == 0x4b || c == 0x6b) chars += "K";
  }
  const k = chars.indexOf("K");
  if (k >= 0) {
    // K is only ever a RUT's verifier, so it must be last and alone.
    const isRut = k == chars.length - 1 && (chars.length == 8 || chars.length == 9);
    return new Document(isRut ? "rut" : "", chars);
  }
  if (chars.length == 11) return new Document("cpf", chars);
  if (chars.length == 14) return new Document("cnpj", chars);
  if (chars.length == 8 || chars.length == 9) return new Document("rut", chars);
  return new Document("", chars);
}

/** "" when the verifier digits match, else an error code. */
function checkDigits(doc: Document): string {
  if (doc.kind == "rut") {
    const body = doc.chars.substring(0, doc.chars.length - 1);
    return rutVerifier(body) == doc.chars.charAt(doc.chars.length - 1) ? "" : "bad_check_digit";
  }
  // Numbers of one repeated digit pass the arithmetic but are never issued.
  if (allSame(doc.chars)) return "repeated_digits";
  const ok = doc.kind == "cpf" ? cpfValid(doc.chars) : cnpjValid(doc.chars);
  return ok ? "" : "bad_check_digit";
}

function allSame(s: string): bool {
  for (let i = 1; i < s.length; i++) {
    if (s.charCodeAt(i) != s.charCodeAt(0)) return false;
  }
  return true;
}

function digitAt(s: string, i: i32): i32 {
  return s.charCodeAt(i) - 0x30;
}

/** CPF: two mod-11 verifiers over weights 10..2 and 11..2; a remainder of 10 counts as 0. */
function cpfValid(d: string): bool {
  for (let n = 9; n <= 10; n++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += digitAt(d, i) * (n + 1 - i);
    const check = (sum * 10) % 11;
    if ((check == 10 ? 0 : check) != digitAt(d, n)) return false;
  }
  return true;
}

/** CNPJ: two mod-11 verifiers with weights cycling 2..9 from the right; remainders 0 and 1 give 0. */
function cnpjValid(d: string): bool {
  for (let n = 12; n <= 13; n++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += digitAt(d, n - 1 - i) * (2 + (i % 8));
    const r = sum % 11;
    if ((r < 2 ? 0 : 11 - r) != digitAt(d, n)) return false;
  }
  return true;
}

/** RUT: weights 2..7 from the right, verifier 11 - (sum mod 11); 11 is "0" and 10 is "K". */
function rutVerifier(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += digitAt(body, body.length - 1 - i) * (2 + (i % 6));
  const v = 11 - (sum % 11);
  if (v == 11) return "0";
  if (v == 10) return "K";
  return v.toString();
}

/** 123.456.789-09, 12.345.678/0001-95, 12.345.678-5. */
function format(doc: Document): string {
  const s = doc.chars;
  if (doc.kind == "cpf") {
    return s.substring(0, 3) + "." + s.substring(3, 6) + "." + s.substring(6, 9) + "-" + s.substring(9);
  }
  if (doc.kind == "cnpj") {
    return (
      s.substring(0, 2) + "." + s.substring(2, 5) + "." + s.substring(5, 8) + "/" + s.substring(8, 12) + "-" + s.substring(12)
    );
  }
  const body = s.substring(0, s.length - 1);
  return groupThousands(body) + "-" + s.charAt(s.length - 1);
}

function groupThousands(digits: string): string {
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 == 0) out += ".";
    out += digits.charAt(i);
  }
  return out;
}

// A small JSON reader and writer for TucanLink plugins.
//
// AssemblyScript has no exceptions and no dynamic objects, so a JSON document is a tree of
// `Json` values. Lookups never fail: asking for a missing member, or for the string of a
// number, gives back a null value or the fallback you pass. That keeps plugin code free of
// nullable checks: `input.get("config").get("variable").str("document")`.

export const enum JsonKind {
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

// Deeper documents are refused rather than risking the Wasm stack on hostile input
// (an HTTP body from a remote service, say).
const MAX_DEPTH = 64;

export class Json {
  kind: JsonKind = JsonKind.Null;
  private flag: bool = false;
  private number: f64 = 0;
  private text: string = "";
  // Array items, or object member values (in insertion order, matched with `names`).
  private values: Json[] | null = null;
  private names: string[] | null = null;

  isNull(): bool {
    return this.kind == JsonKind.Null;
  }
  isString(): bool {
    return this.kind == JsonKind.String;
  }
  isNumber(): bool {
    return this.kind == JsonKind.Number;
  }
  isArray(): bool {
    return this.kind == JsonKind.Array;
  }
  isObject(): bool {
    return this.kind == JsonKind.Object;
  }

  /** The string value, or `fallback` when this is not a string. */
  str(fallback: string = ""): string {
    return this.kind == JsonKind.String ? this.text : fallback;
  }

  /** The number value, or `fallback` when this is not a number. */
  num(fallback: f64 = 0): f64 {
    return this.kind == JsonKind.Number ? this.number : fallback;
  }

  /** The boolean value, or `fallback` when this is not a boolean. */
  bool(fallback: bool = false): bool {
    return this.kind == JsonKind.Bool ? this.flag : fallback;
  }

  /** Number of array items or object members; 0 for anything else. */
  get length(): i32 {
    const values = this.values;
    return values ? values.length : 0;
  }

  /** Array item `i`, or null when out of range or not an array. */
  at(i: i32): Json {
    const values = this.values;
    if (this.kind != JsonKind.Array || !values || i < 0 || i >= values.length) return jsonNull();
    return values[i];
  }

  /** Object member `key`, or null when missing or not an object. */
  get(key: string): Json {
    const i = this.indexOf(key);
    return i < 0 ? jsonNull() : this.values![i];
  }

  has(key: string): bool {
    return this.indexOf(key) >= 0;
  }

  /** Object member names in order; empty for anything else. */
  keys(): string[] {
    const names = this.names;
    return names ? names.slice(0) : [];
  }

  /** Sets an object member (replacing an existing one) and returns this object. */
  set(key: string, value: Json): Json {
    assert(this.kind == JsonKind.Object, "Json.set on a value that is not an object");
    const i = this.indexOf(key);
    if (i >= 0) {
      this.values![i] = value;
    } else {
      this.names!.push(key);
      this.values!.push(value);
    }
    return this;
  }

  /** Appends an array item and returns this array. */
  push(value: Json): Json {
    assert(this.kind == JsonKind.Array, "Json.push on a value that is not an array");
    this.values!.push(value);
    return this;
  }

  /** Compact JSON text. */
  stringify(): string {
    const parts: string[] = [];
    this.writeTo(parts);
    return parts.join("");
  }

  private indexOf(key: string): i32 {
    const names = this.names;
    if (this.kind != JsonKind.Object || !names) return -1;
    for (let i = 0; i < names.length; i++) {
      if (names[i] == key) return i;
    }
    return -1;
  }

  private writeTo(parts: string[]): void {
    switch (this.kind) {
      case JsonKind.Null:
        parts.push("null");
        break;
      case JsonKind.Bool:
        parts.push(this.flag ? "true" : "false");
        break;
      case JsonKind.Number:
        parts.push(formatNumber(this.number));
        break;
      case JsonKind.String:
        parts.push(quote(this.text));
        break;
      case JsonKind.Array: {
        const values = this.values!;
        parts.push("[");
        for (let i = 0; i < values.length; i++) {
          if (i > 0) parts.push(",");
          values[i].writeTo(parts);
        }
        parts.push("]");
        break;
      }
      case JsonKind.Object: {
        const names = this.names!;
        const values = this.values!;
        parts.push("{");
        for (let i = 0; i < names.length; i++) {
          if (i > 0) parts.push(",");
          parts.push(quote(names[i]));
          parts.push(":");
          values[i].writeTo(parts);
        }
        parts.push("}");
        break;
      }
    }
  }

  static makeBool(b: bool): Json {
    const v = new Json();
    v.kind = JsonKind.Bool;
    v.flag = b;
    return v;
  }

  static makeNumber(n: f64): Json {
    const v = new Json();
    v.kind = JsonKind.Number;
    v.number = n;
    return v;
  }

  static makeString(s: string): Json {
    const v = new Json();
    v.kind = JsonKind.String;
    v.text = s;
    return v;
  }

  static makeArray(): Json {
    const v = new Json();
    v.kind = JsonKind.Array;
    v.values = [];
    return v;
  }

  static makeObject(): Json {
    const v = new Json();
    v.kind = JsonKind.Object;
    v.values = [];
    v.names = [];
    return v;
  }
}

export function jsonNull(): Json {
  return new Json();
}
export function jsonBool(b: bool): Json {
  return Json.makeBool(b);
}
export function jsonNumber(n: f64): Json {
  return Json.makeNumber(n);
}
export function jsonString(s: string): Json {
  return Json.makeString(s);
}
export function jsonArray(): Json {
  return Json.makeArray();
}
export function jsonObject(): Json {
  return Json.makeObject();
}

/** Parses JSON text; null when the text is not one valid JSON document. */
export function parseJson(text: string): Json | null {
  const p = new Parser(text);
  const value = p.value(0);
  if (!value) return null;
  p.skipSpace();
  return p.pos == text.length ? value : null;
}

/** `s` as a JSON string literal, quotes included. */
export function quote(s: string): string {
  const parts: string[] = ['"'];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let escaped: string | null = null;
    if (c == 0x22) escaped = '\\"';
    else if (c == 0x5c) escaped = "\\\\";
    else if (c == 0x0a) escaped = "\\n";
    else if (c == 0x0d) escaped = "\\r";
    else if (c == 0x09) escaped = "\\t";
    else if (c < 0x20) escaped = "\\u00" + hex2(c);
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate cannot be encoded as UTF-8, and the host reads UTF-8:
      // keep well-formed pairs, replace strays with U+FFFD.
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      escaped = "\uFFFD";
    }
    if (escaped !== null) {
      parts.push(s.substring(start, i));
      parts.push(escaped);
      start = i + 1;
    }
  }
  parts.push(s.substring(start));
  parts.push('"');
  return parts.join("");
}

function hex2(c: i32): string {
  const digits = "0123456789abcdef";
  return digits.charAt((c >> 4) & 15) + digits.charAt(c & 15);
}

function formatNumber(n: f64): string {
  if (!isFinite(n)) return "null"; // JSON has no NaN or Infinity
  // AssemblyScript prints whole numbers as "42.0"; JSON readers expect "42".
  const s = n.toString();
  return s.endsWith(".0") ? s.substring(0, s.length - 2) : s;
}

class Parser {
  pos: i32 = 0;

  constructor(public src: string) {}

  skipSpace(): void {
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.pos++;
    }
  }

  value(depth: i32): Json | null {
    if (depth > MAX_DEPTH) return null;
    this.skipSpace();
    if (this.pos >= this.src.length) return null;
    const c = this.src.charCodeAt(this.pos);
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : jsonString(s);
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.literal("true")) return jsonBool(true);
    if (this.literal("false")) return jsonBool(false);
    if (this.literal("null")) return jsonNull();
    return null;
  }

  private literal(word: string): bool {
    if (this.src.substr(this.pos, word.length) != word) return false;
    this.pos += word.length;
    return true;
  }

  private object(depth: i32): Json | null {
    const obj = jsonObject();
    this.pos++; // {
    this.skipSpace();
    if (this.peek() == 0x7d) {
      this.pos++;
      return obj;
    }
    while (true) {
      this.skipSpace();
      if (this.peek() != 0x22) return null;
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.peek() != 0x3a) return null;
      this.pos++;
      const v = this.value(depth + 1);
      if (!v) return null;
      obj.set(key, v);
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 0x7d) return obj;
      if (c != 0x2c) return null;
    }
  }

  private array(depth: i32): Json | null {
    const arr = jsonArray();
    this.pos++; // [
    this.skipSpace();
    if (this.peek() == 0x5d) {
      this.pos++;
      return arr;
    }
    while (true) {
      const v = this.value(depth + 1);
      if (!v) return null;
      arr.push(v);
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c == 0x5d) return arr;
      if (c != 0x2c) return null;
    }
  }

  // Copies runs of plain characters in one piece, so long strings parse in linear time.
  private string(): string | null {
    const src = this.src;
    const parts: string[] = [];
    this.pos++; // opening quote
    let start = this.pos;
    while (this.pos < src.length) {
      const c = src.charCodeAt(this.pos);
      if (c == 0x22) {
        parts.push(src.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c < 0x20) return null;
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      parts.push(src.substring(start, this.pos));
      const e = this.pos + 1 < src.length ? src.charCodeAt(this.pos + 1) : 0;
      this.pos += 2;
      if (e == 0x75) {
        // \uXXXX is one UTF-16 code unit; a surrogate pair arrives as two escapes.
        const unit = this.hex4();
        if (unit < 0) return null;
        parts.push(String.fromCharCode(unit));
      } else {
        const plain = unescapeChar(e);
        if (plain === null) return null;
        parts.push(plain);
      }
      start = this.pos;
    }
    return null; // no closing quote
  }

  private hex4(): i32 {
    if (this.pos + 4 > this.src.length) return -1;
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.src.charCodeAt(this.pos + i);
      let d: i32;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      else return -1;
      unit = (unit << 4) | d;
    }
    this.pos += 4;
    return unit;
  }

  // Checks the JSON number grammar, then lets the standard library convert the text.
  private number(): Json | null {
    const start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    if (this.peek() == 0x30) {
      this.pos++;
    } else if (!this.digits()) {
      return null;
    }
    if (this.peek() == 0x2e) {
      this.pos++;
      if (!this.digits()) return null;
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.pos++;
      if (!this.digits()) return null;
    }
    return jsonNumber(parseFloat(this.src.substring(start, this.pos)));
  }

  private digits(): bool {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const c = this.src.charCodeAt(this.pos);
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos > start;
  }

  private peek(): i32 {
    return this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1;
  }
}

function unescapeChar(e: i32): string | null {
  switch (e) {
    case 0x22:
      return '"';
    case 0x5c:
      return "\\";
    case 0x2f:
      return "/";
    case 0x62:
      return "\b";
    case 0x66:
      return "\f";
    case 0x6e:
      return "\n";
    case 0x72:
      return "\r";
    case 0x74:
      return "\t";
  }
  return null;
}

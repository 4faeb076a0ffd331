//! Reading the JSON Schemas of node configs (as the catalogue gives them, draft 2020-12 with
//! `$defs`): references resolved, nullable types unwrapped, enums gathered, and a plain
//! description of each field that the form renders.

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | boolean;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  [other: string]: unknown;
}

export interface EnumOption {
  value: string;
  description?: string;
}

/** The shapes of field the form knows how to edit. */
export type FieldShape =
  | { kind: 'string'; long: boolean; code: boolean }
  | { kind: 'number'; integer: boolean }
  | { kind: 'boolean' }
  | { kind: 'enum'; options: EnumOption[] }
  | { kind: 'string-list' }
  | { kind: 'enum-list'; options: EnumOption[] }
  | { kind: 'object-list'; item: JsonSchema }
  | { kind: 'object'; schema: JsonSchema }
  | { kind: 'map'; value: JsonSchema }
  | { kind: 'json' };

export interface FieldInfo {
  shape: FieldShape;
  nullable: boolean;
  schema: JsonSchema;
}

function asSchema(v: unknown): JsonSchema {
  return typeof v === 'object' && v !== null ? (v as JsonSchema) : {};
}

/** Follows `$ref` (local `#/$defs/…` or `#/definitions/…`) and merges `allOf`. */
export function resolve(s: JsonSchema, root: JsonSchema, depth = 0): JsonSchema {
  if (depth > 20) return s;
  let out = s;
  if (s.$ref) {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(s.$ref);
    const target = m ? asSchema((root[m[1]] as Record<string, unknown> | undefined)?.[decodeURIComponent(m[2])]) : {};
    const { $ref: _ref, ...own } = s;
    void _ref;
    out = { ...resolve(target, root, depth + 1), ...own };
  }
  if (out.allOf?.length) {
    const { allOf, ...own } = out;
    out = allOf.reduce<JsonSchema>((acc, part) => ({ ...acc, ...resolve(part, root, depth + 1) }), own);
  }
  return out;
}

function isNullSchema(s: JsonSchema): boolean {
  return s.type === 'null' || (s.const === null && !s.type) || (Array.isArray(s.enum) && s.enum.length === 1 && s.enum[0] === null);
}

/** Strips `null` from a type: `["string","null"]`, `anyOf: [X, {type: null}]`. */
export function unwrapNullable(s: JsonSchema, root: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  let schema = resolve(s, root);
  let nullable = false;
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== 'null');
    if (types.length !== schema.type.length) nullable = true;
    schema = { ...schema, type: types.length === 1 ? types[0] : types };
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = schema[key];
    if (!alts) continue;
    const rest = alts.filter((a) => !isNullSchema(resolve(a, root)));
    if (rest.length === alts.length) continue;
    nullable = true;
    const { [key]: _alts, ...own } = schema;
    void _alts;
    schema = rest.length === 1 ? { ...own, ...resolve(rest[0], root) } : { ...own, [key]: rest };
  }
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) {
    nullable = true;
    schema = { ...schema, enum: schema.enum.filter((v) => v !== null) };
  }
  return { schema, nullable };
}

/** The options of a string enum: `enum: [...]`, or `oneOf`/`anyOf` of `const`s (with docs). */
export function enumOptions(s: JsonSchema, root: JsonSchema): EnumOption[] | null {
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) {
    return (s.enum as string[]).map((value) => ({ value }));
  }
  const alts = s.oneOf ?? s.anyOf;
  if (!alts?.length) return null;
  const out: EnumOption[] = [];
  for (const alt of alts) {
    const a = resolve(alt, root);
    if (typeof a.const === 'string') out.push({ value: a.const, description: a.description });
    else if (Array.isArray(a.enum) && a.enum.every((v) => typeof v === 'string'))
      (a.enum as string[]).forEach((value) => out.push({ value, description: a.enum!.length === 1 ? a.description : undefined }));
    else return null;
  }
  return out;
}

const LONG_NAMES = new Set(['text', 'question', 'body', 'message', 'caption', 'invalid_message', 'note', 'template']);
const CODE_NAMES = new Set(['code', 'expression', 'script']);

function typeOf(s: JsonSchema): string | undefined {
  return Array.isArray(s.type) ? (s.type.length === 1 ? s.type[0] : undefined) : s.type;
}

/** How a field of `name` with schema `s` is edited. */
export function describeField(name: string, raw: JsonSchema, root: JsonSchema): FieldInfo {
  const { schema, nullable } = unwrapNullable(raw, root);
  const options = enumOptions(schema, root);
  if (options) return { shape: { kind: 'enum', options }, nullable, schema };
  const type = typeOf(schema) ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string': {
      const desc = (schema.description ?? '').toLowerCase();
      const code = CODE_NAMES.has(name) || desc.includes('rhai');
      const long =
        code ||
        LONG_NAMES.has(name) ||
        schema.format === 'textarea' ||
        (schema.maxLength ?? 0) > 200 ||
        desc.includes('template') ||
        desc.includes('{{');
      return { shape: { kind: 'string', long, code }, nullable, schema };
    }
    case 'integer':
    case 'number':
      return { shape: { kind: 'number', integer: type === 'integer' }, nullable, schema };
    case 'boolean':
      return { shape: { kind: 'boolean' }, nullable, schema };
    case 'array': {
      const item = unwrapNullable(asSchema(schema.items), root).schema;
      const itemOptions = enumOptions(item, root);
      if (itemOptions) return { shape: { kind: 'enum-list', options: itemOptions }, nullable, schema };
      const itemType = typeOf(item) ?? (item.properties ? 'object' : undefined);
      if (itemType === 'string') return { shape: { kind: 'string-list' }, nullable, schema };
      if (itemType === 'object' && item.properties) return { shape: { kind: 'object-list', item }, nullable, schema };
      return { shape: { kind: 'json' }, nullable, schema };
    }
    case 'object': {
      if (schema.properties && Object.keys(schema.properties).length > 0) return { shape: { kind: 'object', schema }, nullable, schema };
      const ap = schema.additionalProperties;
      if (ap && typeof ap === 'object') {
        const value = unwrapNullable(ap, root).schema;
        if (typeOf(value) === 'string') return { shape: { kind: 'map', value }, nullable, schema };
      }
      return { shape: { kind: 'json' }, nullable, schema };
    }
    default:
      return { shape: { kind: 'json' }, nullable, schema };
  }
}

/** A starting value for a required field, so a new node's config has every key it needs. */
export function emptyValue(info: FieldInfo, root: JsonSchema): unknown {
  const s = info.schema;
  if (s.default !== undefined && s.default !== null) return s.default;
  switch (info.shape.kind) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'enum':
      return info.shape.options[0]?.value;
    case 'string-list':
    case 'enum-list':
    case 'object-list':
      return [];
    case 'object':
      return initialConfig(info.shape.schema, root);
    case 'map':
      return {};
    default:
      return undefined;
  }
}

/** The config of a freshly dropped node: its required fields, at their defaults or empty. */
export function initialConfig(schema: JsonSchema, root: JsonSchema = schema): Record<string, unknown> {
  const s = resolve(schema, root);
  const out: Record<string, unknown> = {};
  for (const name of s.required ?? []) {
    const prop = s.properties?.[name];
    if (!prop) continue;
    const v = emptyValue(describeField(name, prop, root), root);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** The fields of an object schema: required ones first, each group in schema order. */
export function objectFields(schema: JsonSchema, root: JsonSchema): { name: string; schema: JsonSchema; required: boolean }[] {
  const s = resolve(schema, root);
  const required = new Set(s.required ?? []);
  const all = Object.entries(s.properties ?? {}).map(([name, prop]) => ({ name, schema: prop, required: required.has(name) }));
  return [...all.filter((f) => f.required), ...all.filter((f) => !f.required)];
}

/** `snake_case` → `Snake case`, for fields without a title. */
export function humanize(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

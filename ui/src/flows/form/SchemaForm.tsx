//! A form generated from a node type's config JSON Schema: text, numbers, switches, choices,
//! lists, nested objects and maps, with required marks and the problems the server found on
//! each field. Keys left empty are removed, so the config stays what the engine expects.
import { memo, useEffect, useId, useState, type ReactNode } from 'react';
import { useT } from '../../i18n';
import { isObject } from '../document';
import { flowText } from '../messages';
import { describeField, emptyValue, humanize, initialConfig, objectFields, type EnumOption, type FieldInfo, type JsonSchema } from './schema';

/** Problems by field path inside the config (`text`, `branches`, `schedule.days`). */
export type FieldProblems = ReadonlyMap<string, readonly string[]>;

export interface SchemaFormProps {
  schema: JsonSchema;
  value: unknown;
  /** The whole new config, and the path of the field that changed. */
  onChange: (next: Record<string, unknown>, path: string) => void;
  problems: FieldProblems;
}

export const SchemaForm = memo(function SchemaForm({ schema, value, onChange, problems }: SchemaFormProps) {
  return (
    <ObjectFields
      schema={schema}
      root={schema}
      value={isObject(value) ? value : {}}
      path=""
      problems={problems}
      onChange={(next, path) => onChange(next, path)}
    />
  );
});

interface ObjectFieldsProps {
  schema: JsonSchema;
  root: JsonSchema;
  value: Record<string, unknown>;
  path: string;
  problems: FieldProblems;
  onChange: (next: Record<string, unknown>, path: string) => void;
}

function join(path: string, name: string | number) {
  return path ? `${path}.${name}` : String(name);
}

function ObjectFields({ schema, root, value, path, problems, onChange }: ObjectFieldsProps) {
  const t = useT(flowText);
  const fields = objectFields(schema, root);
  if (fields.length === 0 && !path) return <p className="muted flow-form-empty">{t('noSettings')}</p>;
  return (
    <div className="flow-form-fields">
      {fields.map((f) => {
        const fieldPath = join(path, f.name);
        return (
          <FieldEditor
            key={f.name}
            name={f.name}
            schema={f.schema}
            root={root}
            required={f.required}
            value={value[f.name]}
            path={fieldPath}
            problems={problems}
            onChange={(v) => {
              const next = { ...value };
              if (v === undefined) delete next[f.name];
              else next[f.name] = v;
              onChange(next, fieldPath);
            }}
          />
        );
      })}
    </div>
  );
}

interface FieldEditorProps {
  name: string;
  schema: JsonSchema;
  root: JsonSchema;
  required: boolean;
  value: unknown;
  path: string;
  problems: FieldProblems;
  onChange: (v: unknown) => void;
}

function FieldFrame({
  id,
  label,
  required,
  hint,
  errors,
  path,
  children,
  group,
}: {
  id: string;
  label: string;
  required: boolean;
  hint?: string;
  errors: readonly string[];
  path: string;
  children: ReactNode;
  group?: boolean;
}) {
  const t = useT(flowText);
  const heading = (
    <>
      {label}
      {required ? (
        <span className="flow-required" title={t('required')} aria-hidden="true">
          {' '}*
        </span>
      ) : null}
    </>
  );
  const after = (
    <>
      {errors.map((e) => (
        <span key={e} className="error-text" id={`${id}-error`} role="alert" data-testid={`field-error-${path}`}>
          {e}
        </span>
      ))}
      {hint && errors.length === 0 ? <span className="field-hint">{hint}</span> : null}
    </>
  );
  if (group) {
    return (
      <fieldset className={`field flow-fieldset${errors.length ? ' has-error' : ''}`} data-field={path}>
        <legend className="field-label">{heading}</legend>
        {children}
        {after}
      </fieldset>
    );
  }
  return (
    <div className={`field${errors.length ? ' has-error' : ''}`} data-field={path}>
      <label className="field-label" htmlFor={id}>
        {heading}
      </label>
      {children}
      {after}
    </div>
  );
}

function FieldEditor(props: FieldEditorProps) {
  const { name, schema, root, required, value, path, problems, onChange } = props;
  const t = useT(flowText);
  const id = useId();
  const info = describeField(name, schema, root);
  const label = info.schema.title ?? humanize(name);
  const errors = problems.get(path) ?? [];
  const hint = info.schema.description;
  const common = {
    id,
    'aria-required': required || undefined,
    'aria-invalid': errors.length > 0 || undefined,
    'aria-describedby': errors.length ? `${id}-error` : undefined,
    'data-testid': `field-${path}`,
  };
  const frame = (children: ReactNode, group = false) => (
    <FieldFrame id={id} label={label} required={required} hint={hint} errors={errors} path={path} group={group}>
      {children}
    </FieldFrame>
  );
  const placeholder = info.schema.default !== undefined && info.schema.default !== null ? String(info.schema.default) : undefined;
  const shape = info.shape;

  switch (shape.kind) {
    case 'string': {
      const text = typeof value === 'string' ? value : '';
      const change = (v: string) => onChange(v === '' && !required ? undefined : v);
      return frame(
        shape.long ? (
          <textarea
            {...common}
            className={shape.code ? 'flow-code' : undefined}
            rows={shape.code ? 5 : 3}
            value={text}
            placeholder={placeholder}
            spellCheck={!shape.code}
            onChange={(e) => change(e.target.value)}
          />
        ) : (
          <input {...common} type="text" value={text} placeholder={placeholder} onChange={(e) => change(e.target.value)} />
        ),
      );
    }
    case 'number':
      return frame(
        <NumberInput
          common={common}
          value={typeof value === 'number' ? value : undefined}
          integer={shape.integer}
          min={info.schema.minimum}
          max={info.schema.maximum}
          placeholder={placeholder}
          onChange={onChange}
        />,
      );
    case 'boolean': {
      const checked = typeof value === 'boolean' ? value : info.schema.default === true;
      return (
        <div className={`field flow-check${errors.length ? ' has-error' : ''}`} data-field={path}>
          <label className="row">
            <input {...common} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
            <span>{label}</span>
          </label>
          {errors.map((e) => (
            <span key={e} className="error-text" role="alert" data-testid={`field-error-${path}`}>
              {e}
            </span>
          ))}
          {hint ? <span className="field-hint">{hint}</span> : null}
        </div>
      );
    }
    case 'enum':
      return frame(
        <select
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        >
          {!required || typeof value !== 'string' ? (
            <option value="">{placeholder ? t('defaultValue', { value: placeholder }) : t('notSet')}</option>
          ) : null}
          {shape.options.map((o) => (
            <option key={o.value} value={o.value} title={o.description}>
              {o.value}
            </option>
          ))}
        </select>,
      );
    case 'string-list':
      return frame(<StringList path={path} value={value} required={required} onChange={onChange} label={label} />, true);
    case 'enum-list':
      return frame(<EnumList path={path} options={shape.options} value={value} required={required} onChange={onChange} />, true);
    case 'object-list':
      return frame(
        <ObjectList path={path} item={shape.item} root={root} value={value} problems={problems} required={required} onChange={onChange} />,
        true,
      );
    case 'object':
      return frame(<NestedObject info={info} root={root} value={value} path={path} problems={problems} required={required} onChange={onChange} />, true);
    case 'map':
      return frame(<MapEditor path={path} value={value} required={required} onChange={onChange} />, true);
    default:
      return frame(<JsonEditor common={common} value={value} onChange={onChange} />);
  }
}

type Common = Record<string, unknown> & { id: string };

function NumberInput({
  common,
  value,
  integer,
  min,
  max,
  placeholder,
  onChange,
}: {
  common: Common;
  value: number | undefined;
  integer: boolean;
  min?: number;
  max?: number;
  placeholder?: string;
  onChange: (v: unknown) => void;
}) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => {
    setText((old) => (Number(old) === value && old !== '' ? old : value === undefined ? '' : String(value)));
  }, [value]);
  return (
    <input
      {...common}
      type="number"
      inputMode={integer ? 'numeric' : 'decimal'}
      step={integer ? 1 : 'any'}
      min={min}
      max={max}
      placeholder={placeholder}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value === '') return onChange(undefined);
        const n = Number(e.target.value);
        if (Number.isFinite(n)) onChange(integer ? Math.trunc(n) : n);
      }}
    />
  );
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function StringList({ path, value, required, onChange, label }: { path: string; value: unknown; required: boolean; onChange: (v: unknown) => void; label: string }) {
  const t = useT(flowText);
  const items = asList(value).map((x) => (typeof x === 'string' ? x : String(x ?? '')));
  const set = (next: string[]) => onChange(next.length === 0 && !required ? undefined : next);
  return (
    <div className="flow-list" data-testid={`field-${path}`}>
      {items.map((item, i) => (
        <div className="flow-list-row" key={i}>
          <input
            type="text"
            value={item}
            aria-label={`${label} ${i + 1}`}
            data-testid={`field-${path}-${i}`}
            onChange={(e) => set(items.map((x, j) => (j === i ? e.target.value : x)))}
          />
          <button type="button" className="icon-btn" aria-label={t('removeItem', { n: i + 1 })} title={t('removeItem', { n: i + 1 })} onClick={() => set(items.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-sm btn-ghost" data-testid={`field-${path}-add`} onClick={() => set([...items, ''])}>
        + {t('addItem')}
      </button>
    </div>
  );
}

function EnumList({ path, options, value, required, onChange }: { path: string; options: EnumOption[]; value: unknown; required: boolean; onChange: (v: unknown) => void }) {
  const chosen = new Set(asList(value).filter((x): x is string => typeof x === 'string'));
  return (
    <div className="flow-enum-list" data-testid={`field-${path}`}>
      {options.map((o) => (
        <label key={o.value} className="row" title={o.description}>
          <input
            type="checkbox"
            checked={chosen.has(o.value)}
            onChange={(e) => {
              const next = options.map((x) => x.value).filter((v) => (v === o.value ? e.target.checked : chosen.has(v)));
              onChange(next.length === 0 && !required ? undefined : next);
            }}
          />
          <span>{o.value}</span>
        </label>
      ))}
    </div>
  );
}

function ObjectList({
  path,
  item,
  root,
  value,
  problems,
  required,
  onChange,
}: {
  path: string;
  item: JsonSchema;
  root: JsonSchema;
  value: unknown;
  problems: FieldProblems;
  required: boolean;
  onChange: (v: unknown) => void;
}) {
  const t = useT(flowText);
  const items = asList(value);
  const set = (next: unknown[]) => onChange(next.length === 0 && !required ? undefined : next);
  return (
    <div className="flow-list" data-testid={`field-${path}`}>
      {items.map((entry, i) => (
        <div className="flow-list-item" key={i}>
          <div className="flow-list-item-head">
            <span className="muted">#{i + 1}</span>
            <button type="button" className="icon-btn" aria-label={t('removeItem', { n: i + 1 })} title={t('removeItem', { n: i + 1 })} onClick={() => set(items.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
          <ObjectFields
            schema={item}
            root={root}
            value={isObject(entry) ? entry : {}}
            path={join(path, i)}
            problems={problems}
            onChange={(next) => set(items.map((x, j) => (j === i ? next : x)))}
          />
        </div>
      ))}
      <button type="button" className="btn btn-sm btn-ghost" data-testid={`field-${path}-add`} onClick={() => set([...items, initialConfig(item, root)])}>
        + {t('addItem')}
      </button>
    </div>
  );
}

function NestedObject({
  info,
  root,
  value,
  path,
  problems,
  required,
  onChange,
}: {
  info: FieldInfo;
  root: JsonSchema;
  value: unknown;
  path: string;
  problems: FieldProblems;
  required: boolean;
  onChange: (v: unknown) => void;
}) {
  const t = useT(flowText);
  const schema = info.shape.kind === 'object' ? info.shape.schema : info.schema;
  if (!isObject(value)) {
    return (
      <div className="row">
        <span className="muted">{t('notSet')}</span>
        <button type="button" className="btn btn-sm" onClick={() => onChange(emptyValue(info, root) ?? {})}>
          {t('setValue')}
        </button>
      </div>
    );
  }
  return (
    <div className="flow-nested">
      <ObjectFields schema={schema} root={root} value={value} path={path} problems={problems} onChange={(next) => onChange(next)} />
      {!required ? (
        <button type="button" className="btn btn-sm btn-ghost" onClick={() => onChange(undefined)}>
          {t('clearValue')}
        </button>
      ) : null}
    </div>
  );
}

function MapEditor({ path, value, required, onChange }: { path: string; value: unknown; required: boolean; onChange: (v: unknown) => void }) {
  const t = useT(flowText);
  const entries = Object.entries(isObject(value) ? value : {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string]);
  const set = (next: [string, string][]) => onChange(next.length === 0 && !required ? undefined : Object.fromEntries(next));
  return (
    <div className="flow-list" data-testid={`field-${path}`}>
      {entries.map(([k, v], i) => (
        <div className="flow-list-row" key={i}>
          <input type="text" value={k} aria-label={t('mapKey')} placeholder={t('mapKey')} onChange={(e) => set(entries.map((x, j) => (j === i ? [e.target.value, x[1]] : x)))} />
          <input type="text" value={v} aria-label={t('mapValue')} placeholder={t('mapValue')} onChange={(e) => set(entries.map((x, j) => (j === i ? [x[0], e.target.value] : x)))} />
          <button type="button" className="icon-btn" aria-label={t('removeItem', { n: i + 1 })} title={t('removeItem', { n: i + 1 })} onClick={() => set(entries.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-sm btn-ghost"
        onClick={() => {
          let key = 'key';
          for (let n = 2; entries.some(([k]) => k === key); n++) key = `key${n}`;
          set([...entries, [key, '']]);
        }}
      >
        + {t('addItem')}
      </button>
    </div>
  );
}

function JsonEditor({ common, value, onChange }: { common: Common; value: unknown; onChange: (v: unknown) => void }) {
  const t = useT(flowText);
  const shown = value === undefined ? '' : JSON.stringify(value, null, 2);
  const [text, setText] = useState(shown);
  const [bad, setBad] = useState(false);
  useEffect(() => {
    setText(shown);
    setBad(false);
  }, [shown]);
  return (
    <>
      <textarea
        {...common}
        className="flow-code"
        rows={4}
        value={text}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text.trim() === '') return onChange(undefined);
          try {
            onChange(JSON.parse(text));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad ? <span className="error-text">{t('invalidJson')}</span> : null}
    </>
  );
}

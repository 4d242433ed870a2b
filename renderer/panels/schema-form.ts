// An operation's options form from the JSON Schema the API returns (zod's toJSONSchema): which
// fields to show and how to read what the user typed back into option values. Pure, so the
// rules are tested without a page.

/** How a field is entered: a choice, a number, a line of text, a checkbox, or a comma-separated list. */
export type FieldKind = 'select' | 'number' | 'integer' | 'text' | 'boolean' | 'list';

export interface FormField {
  name: string;
  kind: FieldKind;
  /** The choices of a select. */
  choices: string[];
  /** For a list: whether its items are numbers (a shape) where they look like numbers. */
  numericItems: boolean;
  description: string;
  required: boolean;
  /** Whether an empty text is a value (a string schema without a minimum length). */
  allowsEmpty: boolean;
}

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  minLength?: number;
  default?: unknown;
};

function asSchema(v: unknown): Schema {
  return v && typeof v === 'object' ? (v as Schema) : {};
}

// The plain types a schema allows, looking through unions and enums.
function typesOf(s: Schema): string[] {
  if (s.enum) return [...new Set(s.enum.map((v) => typeof v))];
  if (s.const !== undefined) return [typeof s.const];
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.flatMap(typesOf))];
  if (Array.isArray(s.type)) return s.type;
  return s.type ? [s.type] : [];
}

function choicesOf(s: Schema): string[] | null {
  if (s.enum && s.enum.every((v) => typeof v === 'string')) return s.enum as string[];
  const alts = s.anyOf ?? s.oneOf;
  if (alts && alts.every((a) => typeof a.const === 'string')) return alts.map((a) => a.const as string);
  return null;
}

function fieldOf(name: string, s: Schema, required: boolean): FormField {
  const base = { name, choices: [] as string[], numericItems: false, description: s.description ?? '', required, allowsEmpty: false };
  const choices = choicesOf(s);
  if (choices) return { ...base, kind: 'select', choices };
  const types = typesOf(s);
  if (types.includes('array')) {
    const items = asSchema(s.items);
    const it = typesOf(items);
    return { ...base, kind: 'list', numericItems: it.includes('integer') || it.includes('number') };
  }
  if (types.length === 1 && types[0] === 'boolean') return { ...base, kind: 'boolean' };
  if (types.length === 1 && types[0] === 'integer') return { ...base, kind: 'integer' };
  if (types.length === 1 && types[0] === 'number') return { ...base, kind: 'number' };
  return { ...base, kind: 'text', allowsEmpty: !(s.minLength && s.minLength > 0) };
}

/** The fields of an options schema (an object schema; anything else has no fields). */
export function formFields(schema: unknown): FormField[] {
  const s = asSchema(schema);
  const required = new Set(s.required ?? []);
  // zod lists a field with a default as required (it is, in the parsed output); the user may leave it out.
  return Object.entries(s.properties ?? {}).map(([name, p]) => fieldOf(name, asSchema(p), required.has(name) && asSchema(p).default === undefined));
}

/** The text a field shows for an option value. */
export function fieldText(field: FormField, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.kind === 'list' && Array.isArray(value)) return value.map((v) => (v === null ? '?' : String(v))).join(', ');
  return String(value);
}

/** The texts of a form for some option values (the dry run's, or none). */
export function formTexts(fields: FormField[], values: Record<string, unknown> | null): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, fieldText(f, values?.[f.name])]));
}

/** What a form reads as: the option values, or the first field that does not parse (its name and why). */
export type FormOutcome = { ok: true; options: Record<string, unknown> } | { ok: false; field: string; message: string };

function listItem(field: FormField, text: string): unknown {
  if (!field.numericItems) return text;
  if (text === '?') return null;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/** Reads the texts back into option values; empty optional fields are left out (the operation's default). */
export function readForm(fields: FormField[], texts: Record<string, string>): FormOutcome {
  const options: Record<string, unknown> = {};
  for (const f of fields) {
    const text = (texts[f.name] ?? '').trim();
    if (text === '' && !f.allowsEmpty && f.kind !== 'boolean') {
      if (f.required) return { ok: false, field: f.name, message: `${f.name} is required` };
      continue;
    }
    if (f.kind === 'number' || f.kind === 'integer') {
      const n = Number(text);
      if (!Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n))) {
        return { ok: false, field: f.name, message: `${f.name}: “${text}” is not ${f.kind === 'integer' ? 'an integer' : 'a number'}` };
      }
      options[f.name] = n;
    } else if (f.kind === 'boolean') {
      if (text !== '') options[f.name] = text === 'true';
    } else if (f.kind === 'list') {
      // Shapes read as 1x3x224x224 too; names are split on commas only (a name may hold an x).
      const parts = f.numericItems ? text.split(/[,x×\s]+/) : text.split(',').map((t) => t.trim());
      options[f.name] = parts.filter((t) => t !== '').map((t) => listItem(f, t));
    } else if (text !== '' || f.required) options[f.name] = f.kind === 'text' ? (texts[f.name] ?? '') : text;
  }
  return { ok: true, options };
}

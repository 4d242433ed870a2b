import { useMemo, useState } from 'react';
import { formFields, formTexts, readForm, type FormField } from '../panels/schema-form.js';

// An operation's options, from its JSON Schema: choices as a select, numbers and text as inputs,
// lists as comma-separated text. Submitting reads the form back and hands the options up.

interface Props {
  schema: unknown;
  values: Record<string, unknown> | null;
  label: string;
  onSubmit(options: Record<string, unknown>): void;
}

function Input({ field, text, onText }: { field: FormField; text: string; onText(t: string): void }) {
  const aria = `option ${field.name}`;
  if (field.kind === 'select') {
    return (
      <select aria-label={aria} value={text} onChange={(e) => onText(e.target.value)}>
        {field.required ? null : <option value="">(default)</option>}
        {field.choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  }
  if (field.kind === 'boolean') {
    return (
      <select aria-label={aria} value={text} onChange={(e) => onText(e.target.value)}>
        <option value="">(default)</option>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    );
  }
  const placeholder = field.kind === 'list' ? (field.numericItems ? '1, 3, ?, 224' : 'a, b') : '';
  return <input aria-label={aria} type={field.kind === 'number' || field.kind === 'integer' ? 'number' : 'text'} value={text} placeholder={placeholder} onChange={(e) => onText(e.target.value)} />;
}

export function OptionsForm({ schema, values, label, onSubmit }: Props) {
  const fields = useMemo(() => formFields(schema), [schema]);
  const [texts, setTexts] = useState(() => formTexts(fields, values));
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      className="op-options"
      onSubmit={(e) => {
        e.preventDefault();
        const read = readForm(fields, texts);
        if (!read.ok) return setProblem(read.message);
        setProblem(null);
        onSubmit(read.options);
      }}
    >
      {fields.map((f) => (
        <label key={f.name} title={f.description}>
          <span>{f.name}</span>
          <Input field={f} text={texts[f.name] ?? ''} onText={(t) => setTexts((x) => ({ ...x, [f.name]: t }))} />
        </label>
      ))}
      {problem ? <p className="op-problem">{problem}</p> : null}
      <button type="submit">{label}</button>
    </form>
  );
}

// A labelled drop-down of the forms (Quantize, Prune, image steps): `options` as [value, text]
// pairs, the select named by `label` for assistive technology (and the tests).

export function Choice<T extends string>({ text, label, value, options, onChange, title }: { text: string; label: string; value: T; options: readonly (readonly [T, string])[]; onChange(v: T): void; title?: string }) {
  return (
    <label title={title}>
      {text}{' '}
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map(([v, t]) => (
          <option key={v} value={v}>
            {t}
          </option>
        ))}
      </select>
    </label>
  );
}

// Whole-number fields of the Quantize and Prune forms (samples, timed runs): anything typed
// that is not a count of at least 1 reads as 1.

export function CountInput({ label, value, onChange }: { label: string; value: number; onChange(n: number): void }) {
  return <input type="number" aria-label={label} min={1} value={value} onChange={(e) => onChange(Math.max(1, Number(e.target.value) || 1))} />;
}

/** The sample count of generated calibration, with why real samples are better. */
export function GeneratedSamples({ label, value, onChange, warning }: { label: string; value: number; onChange(n: number): void; warning: string }) {
  return (
    <>
      <label>
        samples <CountInput label={label} value={value} onChange={onChange} />
      </label>
      <p className="quantize-warning" role="note">
        {warning}
      </p>
    </>
  );
}

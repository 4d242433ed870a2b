import { useEffect, useMemo, useState } from 'react';
import type { Backend, OpenedModelInfo } from '../../shared/protocol/backend.js';
import { formOf, settingsOf, verifyFields, type VerifyForm } from './verify-form.js';

// Where verification takes this model's inputs from: generated (with sizes for its free dims and
// numbers for scalar inputs such as a sample rate) or files on the host. The host remembers the
// settings per model, so reopening the model brings them back.

type Status = { kind: 'loading' } | { kind: 'idle'; remembered: boolean } | { kind: 'saving' } | { kind: 'error'; message: string };

const EMPTY: VerifyForm = { source: 'generated', inputsPath: '', dims: {}, values: {} };

export function VerifySettingsPanel({ backend, model }: { backend: Backend; model: OpenedModelInfo }) {
  const fields = useMemo(() => verifyFields(model.summary), [model]);
  const [form, setForm] = useState<VerifyForm>(EMPTY);
  const [status, setStatus] = useState<Status>({ kind: 'loading' });

  useEffect(() => {
    let live = true;
    setForm(EMPTY);
    setStatus({ kind: 'loading' });
    backend.getVerifySettings(model.modelId).then(
      (info) => {
        if (!live) return;
        setForm(formOf(info.settings));
        setStatus({ kind: 'idle', remembered: info.remembered });
      },
      (e: Error) => live && setStatus({ kind: 'error', message: e.message }),
    );
    return () => {
      live = false;
    };
  }, [backend, model.modelId]);

  const edit = (change: Partial<VerifyForm>) => {
    setForm((f) => ({ ...f, ...change }));
    setStatus((s) => (s.kind === 'error' ? { kind: 'idle', remembered: false } : s));
  };

  const save = async () => {
    const parsed = settingsOf(form);
    if ('problem' in parsed) return setStatus({ kind: 'error', message: parsed.problem });
    setStatus({ kind: 'saving' });
    try {
      const info = await backend.setVerifySettings(model.modelId, parsed.settings);
      setForm(formOf(info.settings));
      setStatus({ kind: 'idle', remembered: true });
    } catch (e) {
      setStatus({ kind: 'error', message: (e as Error).message });
    }
  };

  return (
    <section className="panel verify-settings" aria-label="verification inputs">
      <h2>Verification inputs</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset>
          <legend className="muted">Inputs come from</legend>
          <label>
            <input type="radio" name="verify-source" checked={form.source === 'generated'} onChange={() => edit({ source: 'generated' })} /> generated (seeded random)
          </label>
          <label>
            <input type="radio" name="verify-source" checked={form.source === 'files'} onChange={() => edit({ source: 'files' })} /> files (.npy/.pb, a file or a folder)
          </label>
          {form.source === 'files' ? (
            <input type="text" aria-label="inputs path" placeholder="/path/to/inputs" value={form.inputsPath} onChange={(e) => edit({ inputsPath: e.target.value })} />
          ) : null}
        </fieldset>
        {fields.dims.length ? (
          <table className="values" aria-label="dims">
            <tbody>
              {fields.dims.map((d) => (
                <tr key={d}>
                  <th scope="row">{d}</th>
                  <td>
                    <input type="text" inputMode="numeric" aria-label={`dim ${d}`} placeholder="auto" value={form.dims[d] ?? ''} onChange={(e) => edit({ dims: { ...form.dims, [d]: e.target.value } })} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {fields.values.length ? (
          <table className="values" aria-label="input values">
            <tbody>
              {fields.values.map((v) => (
                <tr key={v.name}>
                  <th scope="row">{`${v.name} (${v.elemType})`}</th>
                  <td>
                    <input type="text" inputMode="decimal" aria-label={`value ${v.name}`} placeholder="random" value={form.values[v.name] ?? ''} onChange={(e) => edit({ values: { ...form.values, [v.name]: e.target.value } })} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <p>
          <button type="submit" disabled={status.kind === 'loading' || status.kind === 'saving'}>
            Remember for this model
          </button>{' '}
          <output aria-label="verification settings status" className={status.kind === 'error' ? 'error-text' : 'muted'}>
            {status.kind === 'error' ? status.message : status.kind === 'idle' && status.remembered ? 'remembered for this model' : status.kind === 'saving' ? 'saving…' : ''}
          </output>
        </p>
      </form>
    </section>
  );
}

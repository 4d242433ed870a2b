import { useCallback, useEffect, useRef, useState } from 'react';
import type { Backend, ProgressEvent } from '../../shared/protocol/backend.js';
import type { JobInfo } from '../../shared/protocol/operations-api.js';
import { MonacoEditor } from '../text/MonacoEditor.js';
import type { MonacoModules } from '../text/monaco-loader.js';

// The recipe editor: the recipe's JSON in Monaco, validated and completed from the recipe JSON
// Schema the service generates from its operations; saved to the recipe folder, or run on the
// open model as a job (each step a history step; the history and graph are re-read after).

const POLL_MS = 250;
const MODEL_PATH = 'recipe.json';

export interface RecipeDraft {
  name: string;
  text: string;
}

interface Props {
  backend: Backend;
  modelId: string;
  draft: RecipeDraft;
  /** Whether a folder is chosen (saving needs one). */
  canSave: boolean;
  onSaved(): void;
  /** Steps were applied (the run ended, however): re-read history and graph. */
  onRan(): void;
  onClose(): void;
}

// The schema is the same for every editor of a session: fetched once.
let schemaOnce: Promise<Record<string, unknown>> | undefined;

function useSchemaIn(backend: Backend) {
  return useCallback(
    (modules: MonacoModules) => {
      schemaOnce ??= backend.getRecipeSchema();
      schemaOnce.then(
        (schema) => {
          modules.json.jsonDefaults.setDiagnosticsOptions({
            validate: true,
            allowComments: false,
            enableSchemaRequest: false,
            // A recipe that breaks the schema would be refused: an error, not Monaco's default warning.
            schemaValidation: 'error',
            trailingCommas: 'error',
            comments: 'error',
            // Patterns match as `**/<pattern>` against the model's URI (inmemory://workbench/recipe.json).
            schemas: [{ uri: 'inmemory://workbench/recipe.schema.json', fileMatch: [MODEL_PATH], schema }],
          });
        },
        () => (schemaOnce = undefined),
      );
    },
    [backend],
  );
}

export function RecipeEditor({ backend, modelId, draft, canSave, onSaved, onRan, onClose }: Props) {
  const [name, setName] = useState(draft.name);
  const [text, setText] = useState(draft.text);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [job, setJob] = useState<JobInfo | null>(null);
  const [progress, setProgress] = useState<ProgressEvent | null>(null);
  const running = useRef<string | null>(null);
  const withSchema = useSchemaIn(backend);

  useEffect(() => {
    setName(draft.name);
    setText(draft.text);
  }, [draft]);
  useEffect(() => backend.onProgress((e) => e.jobId === running.current && setProgress(e)), [backend]);
  useEffect(() => () => void (running.current = null), []);

  const save = async () => {
    setError(null);
    setNote(null);
    try {
      await backend.saveRecipe({ name, text, overwrite: true });
      setNote(`saved ${name}`);
      onSaved();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const run = async () => {
    setError(null);
    setNote(null);
    setProgress(null);
    let started: JobInfo;
    try {
      started = await backend.runRecipe({ modelId, text });
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    running.current = started.jobId;
    setJob(started);
    let info = started;
    while (info.state === 'running') {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (running.current !== started.jobId) return;
      info = await backend.getJob(started.jobId);
      setJob(info);
    }
    running.current = null;
    if (info.error) setError(info.error.message);
    else if (info.state === 'done') setNote('recipe ran: every step applied');
    onRan();
  };

  const busy = job?.state === 'running';
  const pct = progress ? Math.round((100 * progress.done) / Math.max(1, progress.total)) : 0;
  return (
    <section className="recipe-editor" role="dialog" aria-label="recipe editor">
      <header className="recipe-editor-bar">
        <label>
          Recipe <input aria-label="recipe name" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
        </label>
        <span className="spacer" />
        <button type="button" onClick={() => void save()} disabled={!canSave || busy} title={canSave ? 'Save in the recipe folder (Ctrl+S)' : 'Choose a recipe folder first'}>
          Save
        </button>
        <button type="button" onClick={() => void run()} disabled={busy}>
          Run on this model
        </button>
        {busy ? (
          <button type="button" onClick={() => void backend.cancelJob(job.jobId)}>
            Cancel
          </button>
        ) : null}
        <button type="button" onClick={onClose} aria-label="close recipe editor">
          Close
        </button>
      </header>
      {busy ? (
        <div className="recipe-progress" role="status" aria-label="recipe progress">
          {progress?.message ?? job.label} <progress max={100} value={pct} />
        </div>
      ) : null}
      {error ? (
        <div className="op-error" role="alert">
          {error}
        </div>
      ) : null}
      {note ? (
        <div className="muted" role="status" aria-label="recipe status">
          {note}
        </div>
      ) : null}
      <MonacoEditor value={text} language="json" path={MODEL_PATH} label="recipe JSON" onChange={setText} onSave={() => canSave && void save()} onReady={(_editor, modules) => withSchema(modules)} />
    </section>
  );
}

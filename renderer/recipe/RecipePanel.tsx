import { useCallback, useEffect, useRef, useState } from 'react';
import type { Backend } from '../../shared/protocol/backend.js';
import type { RecipeFolder } from '../../shared/protocol/recipe-api.js';
import type { RecipeDraft } from './RecipeEditor.js';

// Recipes in the sidebar: the folder they are kept in (a path the service remembers: chosen in
// the host's folder dialog where it has one, Electron, else typed here), its recipes (open one in
// the editor), and the history saved as a new recipe.

interface Props {
  backend: Backend;
  modelId: string;
  /** Bumped when the folder's contents may have changed (a save). */
  refreshToken: number;
  onEdit(draft: RecipeDraft): void;
  onFolder(folder: string | null): void;
}

export function RecipePanel({ backend, modelId, refreshToken, onEdit, onFolder }: Props) {
  const [folder, setFolder] = useState<RecipeFolder | null>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const shown = useCallback(
    (f: RecipeFolder) => {
      setFolder(f);
      setTyped(f.folder ?? '');
      onFolder(f.folder);
    },
    [onFolder],
  );
  useEffect(() => {
    backend.getRecipeFolder().then(shown, (e: Error) => setError(e.message));
  }, [backend, shown, refreshToken]);

  const attempt = async (what: () => Promise<void>) => {
    setError(null);
    try {
      await what();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className="panel recipes" aria-label="recipes">
      <h2>Recipes</h2>
      <form
        className="recipe-folder"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(async () => shown(await backend.setRecipeFolder(typed)));
        }}
      >
        <input ref={input} aria-label="recipe folder" placeholder="folder of recipes (a path)" value={typed} onChange={(e) => setTyped(e.target.value)} spellCheck={false} />
        <button type="submit" disabled={!typed.trim() || typed === folder?.folder}>
          Use folder
        </button>
        <button
          type="button"
          title="Choose the folder in a dialog (where the host has none, type its path)"
          onClick={() =>
            void attempt(async () => {
              const choice = await backend.chooseRecipeFolder();
              if (choice.folder) shown(choice.folder);
              else if (!choice.native) input.current?.focus();
            })
          }
        >
          Choose…
        </button>
      </form>
      <div className="op-buttons">
        <button
          type="button"
          onClick={() =>
            void attempt(async () => {
              const r = await backend.historyRecipe(modelId);
              onEdit({ name: 'recipe.json', text: r.text });
            })
          }
        >
          Save history as recipe…
        </button>
        <button type="button" onClick={() => onEdit({ name: 'recipe.json', text: '{\n  "version": 1,\n  "steps": [\n    { "operation": "preset:default" }\n  ]\n}\n' })}>
          New recipe
        </button>
      </div>
      {folder?.folder ? (
        folder.recipes.length ? (
          <ul className="recipe-list">
            {folder.recipes.map((r) => (
              <li key={r.name}>
                <button type="button" className="link" aria-label={`open recipe ${r.name}`} onClick={() => void attempt(async () => onEdit({ name: r.name, text: (await backend.readRecipe(r.name)).text }))}>
                  {r.name}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No recipes in this folder yet.</p>
        )
      ) : null}
      {error ? (
        <div className="op-error" role="alert">
          {error}
        </div>
      ) : null}
    </section>
  );
}

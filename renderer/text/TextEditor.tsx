import { useEffect, useMemo, useState } from 'react';
import type { Backend, GraphPath } from '../../shared/protocol/backend.js';
import type { EditResult } from '../../shared/protocol/operations-api.js';
import type { ModelText } from '../../shared/protocol/text-api.js';
import { MonacoEditor, type EditorMarker } from './MonacoEditor.js';
import { ONNX_TEXT } from './onnx-language.js';

// The model as ONNX text beside the graph: the graph on screen (the whole model at the top, else
// the subgraph or function body opened), or the selected nodes. Selecting a node reveals its line;
// moving the cursor onto a node selects it. The text is editable (not a subgraph inside a local
// function's body): Apply (or Ctrl+S) sends it to the service with what
// it is the text of (the model, the subgraph or function body at `path`, or the selected nodes,
// replaced in place), which applies the difference as one
// history step or answers with the problems, shown as markers at their line and column (the model
// is then unchanged).

type Scope = 'graph' | 'selection';

interface Props {
  backend: Backend;
  modelId: string;
  path: GraphPath;
  selection: ReadonlySet<number>;
  /** The history's version: the text is printed again when it changes (an edit, undo, redo). */
  version: number | undefined;
  onSelect(id: number): void;
  /** After a selection's text is applied: its nodes now (those kept and those the text added). */
  onSelectNodes?(ids: number[]): void;
  /** Shows the applied step; resolves once the graph shows it. */
  onApplied(result: EditResult): void | Promise<void>;
  /** Runs the apply and its view update as one change of the model (the operations list waits for it). */
  changingModel<T>(run: () => Promise<T>): Promise<T>;
  onClose(): void;
}

/** The innermost node span on a line. */
function nodeAt(text: ModelText, line: number): number | undefined {
  let best: ModelText['spans'][number] | undefined;
  for (const s of text.spans) {
    if (s.kind !== 'node' || s.id === undefined || line < s.startLine || line > s.endLine) continue;
    if (!best || s.endLine - s.startLine < best.endLine - best.startLine) best = s;
  }
  return best?.id;
}

export function TextEditor({ backend, modelId, path, selection, version, onSelect, onSelectNodes, onApplied, changingModel, onClose }: Props) {
  const [scope, setScope] = useState<Scope>('graph');
  const [printed, setPrinted] = useState<ModelText | null>(null);
  const [draft, setDraft] = useState('');
  const [markers, setMarkers] = useState<EditorMarker[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const selected = useMemo(() => [...selection].sort((a, b) => a - b), [selection]);
  const selectionKey = scope === 'selection' ? selected.join(',') : '';
  // The nodes whose text is shown: the apply replaces these (the selection may change meanwhile).
  const [shownNodes, setShownNodes] = useState<number[] | undefined>(undefined);
  const pathKey = JSON.stringify(path);

  useEffect(() => {
    let live = true;
    setError(null);
    backend
      .getModelText({ modelId, ...(path.length ? { path } : {}), ...(scope === 'selection' ? { nodes: selected } : {}) })
      .then(
        (t) => {
          if (!live) return;
          setPrinted(t);
          setShownNodes(scope === 'selection' ? selected : undefined);
          setDraft(t.text);
          setMarkers([]);
        },
        (e: Error) => live && setError(e.message),
      );
    return () => void (live = false);
    // The text follows the model's version, the graph shown and (for that scope) the selection.
  }, [backend, modelId, pathKey, scope, selectionKey, version]);

  const reveal = useMemo(() => {
    if (!printed || !selected.length) return undefined;
    return printed.spans.find((s) => s.kind === 'node' && s.id === selected[0])?.startLine;
  }, [printed, selected]);

  const apply = async () => {
    if (!printed?.editable || busy) return;
    setBusy(true);
    setNote(null);
    setError(null);
    try {
      const r = await changingModel(async () => {
        const applied = await backend.applyModelText({ modelId, text: draft, version: printed.version, ...(path.length ? { path } : {}), ...(shownNodes ? { nodes: shownNodes } : {}) });
        if (!applied.ok) return applied;
        setMarkers([]);
        setNote(`applied as step ${applied.edit.state}: ${applied.edit.step?.label ?? 'edit text'}`);
        await onApplied(applied.edit);
        // The selection follows its text: an operator changed there is a new node.
        if (shownNodes && onSelectNodes) {
          const removed = new Set(applied.edit.diff.removed);
          onSelectNodes([...shownNodes.filter((id) => !removed.has(id)), ...applied.edit.diff.added]);
        }
        return applied;
      });
      if (!r.ok) {
        setMarkers(r.errors.map((e) => ({ line: e.line, column: e.column, message: e.message })));
        const first = r.errors[0]!;
        setNote(`${r.errors.length} problem${r.errors.length === 1 ? '' : 's'}, nothing applied: line ${first.line}, column ${first.column}: ${first.message}`);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const dirty = printed !== null && draft !== printed.text;
  return (
    <section className="recipe-editor text-editor" role="dialog" aria-label="text editor">
      <header className="recipe-editor-bar">
        <label>
          Text of{' '}
          <select aria-label="text scope" value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
            <option value="graph">{path.length ? 'this subgraph' : 'the model'}</option>
            <option value="selection">the selection</option>
          </select>
        </label>
        <span className="spacer" />
        <button type="button" onClick={() => void apply()} disabled={!printed?.editable || !dirty || busy} title={printed?.editable ? 'Apply the text as one step (Ctrl+S)' : 'Read only: a subgraph inside a local function’s body (apply the body)'}>
          Apply
        </button>
        <button type="button" onClick={() => printed && (setDraft(printed.text), setMarkers([]))} disabled={!dirty}>
          Revert
        </button>
        <button type="button" onClick={onClose} aria-label="close text editor">
          Close
        </button>
      </header>
      {error ? (
        <div className="op-error" role="alert">
          {error}
        </div>
      ) : null}
      {note ? (
        <div className={markers.length ? 'op-error' : 'muted'} role="status" aria-label="text status">
          {note}
        </div>
      ) : null}
      {!printed?.editable && printed ? <div className="muted">Read only: a subgraph inside a local function’s body is applied from the function’s body.</div> : null}
      <MonacoEditor
        value={draft}
        language={ONNX_TEXT}
        path="model.onnxtxt"
        label="ONNX text"
        markers={markers}
        readOnly={!printed?.editable}
        onChange={setDraft}
        {...(reveal !== undefined ? { revealLine: reveal } : {})}
        onCursor={(line) => {
          if (!printed || draft !== printed.text || scope === 'selection') return;
          const id = nodeAt(printed, line);
          if (id !== undefined && !(selection.size === 1 && selection.has(id))) onSelect(id);
        }}
        onSave={() => void apply()}
        // Completion is the schema's: words elsewhere in the text (another node's attributes) are no suggestions.
        onReady={(editor) => editor.updateOptions({ wordBasedSuggestions: 'off' })}
      />
    </section>
  );
}

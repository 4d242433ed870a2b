import { useEffect, useRef, useState } from 'react';
import type { editor as MonacoEditorNs } from 'monaco-editor';
import { loadMonaco, type MonacoModules } from './monaco-loader.js';

// One Monaco editor as a React component, for the recipe editor and the ONNX text editor: the
// text is the caller's (`value`; edits come back through onChange), problems are markers, and a
// line can be revealed and highlighted. Monaco itself loads when the first editor mounts.

/** A problem shown in the text (1-based lines and columns, as Monaco and the parsers count). */
export interface EditorMarker {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  severity?: 'error' | 'warning' | 'info';
}

export interface MonacoEditorProps {
  value: string;
  /** A language Monaco knows ('json') or one the caller registered in onReady. */
  language: string;
  /** The model's URI path (JSON schemas are matched to it); one editor, one path. */
  path: string;
  /** Problems the caller found (the language's own, such as JSON Schema errors, come on top). */
  markers?: readonly EditorMarker[];
  onChange?: (value: string) => void;
  /** Reveals this line (1-based) in the middle and highlights it; undefined: none. */
  revealLine?: number;
  /** The cursor moved (1-based line and column). */
  onCursor?: (line: number, column: number) => void;
  /** Ctrl/Cmd+S in the editor. */
  onSave?: () => void;
  readOnly?: boolean;
  /** Once Monaco is loaded and the editor made: for languages, providers and schemas. */
  onReady?: (editor: MonacoEditorNs.IStandaloneCodeEditor, modules: MonacoModules) => void;
  /** Accessible name of the text area. */
  label: string;
}

const OWNER = 'workbench';

/** A Monaco editor; shows "Loading editor…" until Monaco has loaded. */
export function MonacoEditor(props: MonacoEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ editor: MonacoEditorNs.IStandaloneCodeEditor; modules: MonacoModules } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Callbacks read through a ref: the editor is made once and must call the latest ones.
  const latest = useRef(props);
  latest.current = props;
  const decorations = useRef<MonacoEditorNs.IEditorDecorationsCollection | null>(null);

  useEffect(() => {
    let disposed = false;
    let made: MonacoEditorNs.IStandaloneCodeEditor | undefined;
    loadMonaco().then(
      (modules) => {
        if (disposed || !host.current) return;
        const { monaco } = modules;
        const p = latest.current;
        const uri = monaco.Uri.parse(`inmemory://workbench/${p.path}`);
        const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(p.value, p.language, uri);
        model.setValue(p.value);
        made = monaco.editor.create(host.current, {
          model,
          automaticLayout: true,
          minimap: { enabled: false },
          fontSize: 13,
          scrollBeyondLastLine: false,
          readOnly: p.readOnly === true,
          ariaLabel: p.label,
          fixedOverflowWidgets: true,
          // A <textarea> rather than Chromium's EditContext on a <div>: the window's undo/redo keys
          // and the Electron Edit menu leave a focused text field its own undo (edits-text.ts).
          editContext: false,
        });
        const editor = made;
        editor.onDidChangeModelContent(() => latest.current.onChange?.(editor.getValue()));
        editor.onDidChangeCursorPosition((e) => latest.current.onCursor?.(e.position.lineNumber, e.position.column));
        editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => latest.current.onSave?.());
        decorations.current = editor.createDecorationsCollection();
        p.onReady?.(editor, modules);
        setState({ editor, modules });
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      disposed = true;
      made?.getModel()?.dispose();
      made?.dispose();
    };
  }, []);

  // The caller's value wins when it differs from the text (a recipe loaded, a graph changed).
  useEffect(() => {
    if (!state) return;
    const model = state.editor.getModel();
    if (model && model.getValue() !== props.value) {
      model.setValue(props.value);
      // New text starts at its left edge (a paste may have scrolled the old text sideways).
      state.editor.setScrollLeft(0);
    }
  }, [state, props.value]);

  useEffect(() => {
    if (!state) return;
    const model = state.editor.getModel();
    if (model && model.getLanguageId() !== props.language) state.modules.monaco.editor.setModelLanguage(model, props.language);
  }, [state, props.language]);

  useEffect(() => {
    state?.editor.updateOptions({ readOnly: props.readOnly === true });
  }, [state, props.readOnly]);

  useEffect(() => {
    if (!state) return;
    const { monaco } = state.modules;
    const model = state.editor.getModel();
    if (!model) return;
    const severity = { error: monaco.MarkerSeverity.Error, warning: monaco.MarkerSeverity.Warning, info: monaco.MarkerSeverity.Info };
    monaco.editor.setModelMarkers(
      model,
      OWNER,
      (props.markers ?? []).map((m) => ({
        startLineNumber: m.line,
        startColumn: m.column,
        endLineNumber: m.endLine ?? m.line,
        endColumn: m.endColumn ?? model.getLineMaxColumn(Math.min(m.endLine ?? m.line, model.getLineCount())),
        message: m.message,
        severity: severity[m.severity ?? 'error'],
      })),
    );
  }, [state, props.markers]);

  useEffect(() => {
    if (!state || !decorations.current) return;
    const line = props.revealLine;
    if (line === undefined) {
      decorations.current.clear();
      return;
    }
    state.editor.revealLineInCenterIfOutsideViewport(line);
    decorations.current.set([{ range: new state.modules.monaco.Range(line, 1, line, 1), options: { isWholeLine: true, className: 'monaco-revealed-line' } }]);
  }, [state, props.revealLine]);

  return (
    <div className="monaco-host" data-testid={`monaco-${props.path}`}>
      {!state && !error && <div className="muted monaco-loading">Loading editor…</div>}
      {error && <div role="alert">The editor could not load: {error}</div>}
      <div ref={host} className="monaco-container" />
    </div>
  );
}

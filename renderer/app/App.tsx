import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Backend } from '../../shared/protocol/backend.js';
import { GraphView } from '../graph/GraphView.js';
import { ContextMenu } from '../edit/ContextMenu.js';
import { HistoryPanel } from '../edit/HistoryPanel.js';
import { OperationsPanel } from '../edit/OperationsPanel.js';
import { useEdit } from '../edit/use-edit.js';
import { highlightsOf, withPreview } from '../graph/highlights.js';
import { Breadcrumb } from '../panels/Breadcrumb.js';
import { FileOpen, useFileDrop } from '../panels/FileOpen.js';
import { ModelPanel } from '../panels/ModelPanel.js';
import { NodePanel } from '../panels/NodePanel.js';
import { forgetTensorStats } from '../panels/TensorStats.js';
import { VerifySettingsPanel } from '../panels/VerifySettingsPanel.js';
import { ProfilePanel } from '../profile/ProfilePanel.js';
import { createProfileStore } from '../profile/profile-store.js';
import { ServingPanel } from '../serving/ServingPanel.js';
import { useDiffMarks, useHeat } from '../profile/use-heat.js';
import { SearchBox } from '../search/SearchBox.js';
import { QuantizePanel } from '../quantize/QuantizePanel.js';
import { PrunePanel } from '../prune/PrunePanel.js';
import { SensitivityPanel } from '../quantize/SensitivityPanel.js';
import { createSensitivityStore } from '../quantize/sensitivity-store.js';
import { useSensitivityHeat } from '../quantize/use-sensitivity-heat.js';
import { createAppStore, currentPath } from '../state/app-state.js';
import { useStore } from '../state/use-store.js';
import { installMenuCommands } from '../save/menu-commands.js';
import { RecoveryPrompt } from '../save/RecoveryPrompt.js';
import { SaveControls } from '../save/SaveControls.js';
import { createActions, type Mark } from './actions.js';
import { useLayout, useViewGraph } from './use-layout.js';
import { RecipeEditor, type RecipeDraft } from '../recipe/RecipeEditor.js';
import { RecipePanel } from '../recipe/RecipePanel.js';
import { TextEditor } from '../text/TextEditor.js';

// The window: a toolbar (open, search, breadcrumb, node count, view buttons), the graph view,
// and the model and node panels. State lives in the store; the view and panels report gestures
// to the actions.

const mark: Mark = (name) => performance.mark(name);

interface Props {
  backend: Backend | null;
  startupError: string | null;
}

export function App({ backend, startupError }: Props) {
  const [store] = useState(createAppStore);
  const [profileStore] = useState(createProfileStore);
  const [sensitivityStore] = useState(createSensitivityStore);
  const actions = useMemo(() => (backend ? createActions(store, backend, mark) : null), [store, backend]);
  const s = useStore(store, (state) => state);
  const [fitToken, setFitToken] = useState(0);
  const [inlineConstants, setInlineConstants] = useState(true);
  const edit = useEdit(store, backend, mark);
  const editView = useStore(edit.store, (e) => e.editedGraph);
  const previewNodes = useStore(edit.store, (e) => e.preview?.nodes ?? null);
  const [recipe, setRecipe] = useState<RecipeDraft | null>(null);
  const [recipeFolder, setRecipeFolder] = useState<string | null>(null);
  const [recipesSaved, setRecipesSaved] = useState(0);
  // The recipe editor takes (or gives back) part of the graph's width: fit the graph to what is left.
  // (After the graph area's resize has been observed; not at start, where the view has its own first fit.)
  const [textOpen, setTextOpen] = useState(false);
  const editorOpen = recipe !== null || textOpen;
  const editorWasOpen = useRef(editorOpen);
  useEffect(() => {
    if (editorWasOpen.current === editorOpen) return;
    editorWasOpen.current = editorOpen;
    const t = setTimeout(() => setFitToken((n) => n + 1), 100);
    return () => clearTimeout(t);
  }, [editorOpen]);
  // The Prune panel's coupled group, marked on the graph as a preview is.
  const [pruneGroup, setPruneGroup] = useState<number[] | null>(null);
  const marked = useMemo(() => (pruneGroup ? new Set([...(previewNodes ?? []), ...pruneGroup]) : previewNodes), [previewNodes, pruneGroup]);

  useEffect(() => {
    if (!actions) return;
    void actions.openInitial();
  }, [actions]);
  useEffect(() => backend?.onProgress((progress) => store.set({ progress })), [backend, store]);
  useEffect(() => installMenuCommands(window), []);
  useEffect(() => forgetTensorStats(), [s.model]);
  useEffect(() => {
    document.title = s.model ? `${s.model.name} — ONNX Workbench` : 'ONNX Workbench';
  }, [s.model]);

  const onFile = useCallback((f: File) => void actions?.openFile(f), [actions]);
  const dropping = useFileDrop(onFile);
  const view = useViewGraph(s.prepared, s.expanded, inlineConstants);
  const layout = useLayout(view, mark, editView);
  // After an edit the previous scene stays on screen while the edited graph is laid out.
  const scene = layout.scene && (layout.scene.view.prepared === s.prepared || editView === s.prepared) ? layout.scene : null;
  const history = useStore(edit.store, (e) => e.history);
  const sqnrHeat = useSensitivityHeat(sensitivityStore, scene, s.graph, s.crumbs.length <= 1, s.model?.modelId ?? null, history);
  const heat = useHeat(profileStore, scene, s.graph, s.crumbs.length <= 1, sqnrHeat);
  const diff = useDiffMarks(profileStore, scene, s.graph, s.crumbs.length <= 1);
  const highlights = useMemo(
    () => (scene ? { ...withPreview(scene.view, highlightsOf(scene.view, s.selection, s.matches, s.focus), marked), heat, ...(diff ? { diff } : {}) } : null),
    [scene, s.selection, s.matches, s.focus, marked, heat, diff],
  );
  const keyOf = (i: number) => scene!.view.items[i].key;
  const onDrawn = useCallback((info: { mode: string }) => mark(`wb:graph-interactive:${info.mode}`), []);
  const nodeCount = s.graph?.nodes.length ?? 0;
  const error = startupError ?? s.error ?? layout.error;
  const status = s.busy ?? (layout.progress !== null ? `Laying out ${view?.items.length ?? 0} boxes… ${Math.round(layout.progress * 100)}%` : null);

  return (
    <div className={dropping ? 'app dropping' : 'app'}>
      <header className="toolbar">
        <FileOpen onFile={onFile} />
        {actions && s.prepared ? (
          <SearchBox query={s.query} results={s.results} total={s.resultTotal} onQuery={actions.search} onJump={(r) => actions.jump(r.key)} />
        ) : null}
        {s.crumbs.length ? <Breadcrumb crumbs={s.crumbs} onGo={(d) => void actions?.goTo(d)} /> : null}
        <span className="spacer" />
        {s.graph ? (
          <output aria-label="node count" className="node-count">
            {`${nodeCount} node${nodeCount === 1 ? '' : 's'}`}
          </output>
        ) : null}
        {s.selection.size ? <span className="selection-count" aria-label="selection count">{`${s.selection.size} selected`}</span> : null}
        {s.prepared && s.prepared.tree.paths.length > 1 ? (
          <>
            <button type="button" onClick={() => actions?.expandAll()} aria-label="expand all scopes">
              Expand all
            </button>
            <button type="button" onClick={() => actions?.collapseAll()} aria-label="collapse all scopes">
              Collapse
            </button>
          </>
        ) : null}
        {s.prepared && s.prepared.constants.size ? (
          <label className="constants-toggle" title="draw Constant nodes inside the nodes that read them">
            <input type="checkbox" checked={inlineConstants} onChange={(e) => setInlineConstants(e.target.checked)} aria-label="constants inside nodes" />
            Constants inside
          </label>
        ) : null}
        {backend && s.model ? (
          <button type="button" onClick={() => setTextOpen((o) => !o)} aria-pressed={textOpen} aria-label="ONNX text editor" title="The graph as ONNX text (edit and apply)">
            Text
          </button>
        ) : null}
        <button type="button" onClick={() => setFitToken((n) => n + 1)} disabled={!scene} aria-label="fit to screen">
          Fit
        </button>
        {backend && s.model ? <SaveControls backend={backend} modelId={s.model.modelId} onOpenPath={(p) => void actions?.openPath(p)} /> : null}
      </header>
      {backend && actions ? <RecoveryPrompt backend={backend} onRestore={actions.openRecovery} /> : null}
      <main className="workspace">
        <div className="graph-area">
          {scene && highlights && actions ? (
            <GraphView
              scene={scene}
              highlights={highlights}
              revealToken={s.reveal}
              fitToken={fitToken}
              onActivate={(i, mode) => actions.activate(keyOf(i), mode)}
              onActivateNode={(n, mode) => actions.activate(`n:${scene.view.prepared.info.nodes[n].id}`, mode)}
              onRubberBand={(items, mode) => actions.selectKeys(items.map(keyOf), mode)}
              onBackground={actions.clearSelection}
              onOpen={(i) => void actions.open(keyOf(i))}
              onBack={() => void actions.back()}
              onCollapse={(i) => actions.collapseAround(keyOf(i))}
              onMove={(i) => actions.move(keyOf(i))}
              onToggleScope={actions.toggleScope}
              onDrawn={onDrawn}
              keepViewOf={editView}
              onContextMenu={(i, x, y) => {
                const key = keyOf(i);
                if (!key.startsWith('n:')) return;
                actions.activate(key, 'replace');
                void edit.actions?.openMenu(Number(key.slice(2)), x, y);
              }}
            />
          ) : (
            <div className="empty">
              {s.model || s.busy ? <p>{status ?? 'Preparing the graph…'}</p> : <p>Open an ONNX model with “Open…”, or drop a .onnx file here.</p>}
            </div>
          )}
          {status ? (
            <div className="status" role="status">
              {status}
            </div>
          ) : null}
          {s.progress && s.progress.done < s.progress.total ? (
            <div className="status" role="status">{`${s.progress.message} ${Math.round((100 * s.progress.done) / Math.max(1, s.progress.total))}%`}</div>
          ) : null}
          {error ? (
            <div className="error" role="alert">
              {error}
            </div>
          ) : null}
        </div>
        {backend && s.model && recipe ? (
          <RecipeEditor
            backend={backend}
            modelId={s.model.modelId}
            draft={recipe}
            canSave={recipeFolder !== null}
            onSaved={() => setRecipesSaved((n) => n + 1)}
            onRan={() => void edit.actions?.refresh().then(() => setFitToken((n) => n + 1))}
            onClose={() => setRecipe(null)}
          />
        ) : null}
        {backend && s.model && textOpen && edit.actions ? (
          <TextEditor
            backend={backend}
            modelId={s.model.modelId}
            path={currentPath(s)}
            selection={s.selection}
            version={history?.version}
            onSelect={(id) => {
              actions?.jump(`n:${id}`);
              actions?.selectKeys([`n:${id}`], 'replace');
            }}
            onApplied={(result) => edit.actions?.showEdit(result)}
            changingModel={edit.actions.changingModel}
            onSelectNodes={(ids) => actions?.selectKeys(ids.map((id) => `n:${id}`), 'replace')}
            onClose={() => setTextOpen(false)}
          />
        ) : null}
        <aside className="sidebar">
          {s.model && edit.actions ? <OperationsPanel store={edit.store} actions={edit.actions} /> : null}
          {backend && s.model && edit.actions ? <QuantizePanel backend={backend} model={s.model} selection={s.selection} version={history?.version} edit={edit.actions} /> : null}
          {backend && s.model && edit.actions ? (
            <PrunePanel
              backend={backend}
              model={s.model}
              selection={s.selection}
              version={history?.version}
              edit={edit.actions}
              onGroupNodes={setPruneGroup}
              onPick={(id) => {
                actions?.jump(`n:${id}`);
                actions?.selectKeys([`n:${id}`], 'replace');
              }}
            />
          ) : null}
          {s.model && edit.actions ? <HistoryPanel store={edit.store} actions={edit.actions} /> : null}
          {backend && actions && s.model && edit.actions ? (
            <SensitivityPanel
              backend={backend}
              model={s.model}
              graph={s.graph}
              history={history}
              selection={s.selection}
              store={sensitivityStore}
              edit={edit.actions}
              onPick={(ids) => {
                actions.jump(`n:${ids[0]}`);
                actions.selectKeys(ids.map((id) => `n:${id}`), 'replace');
              }}
            />
          ) : null}
          {backend && s.model ? <RecipePanel backend={backend} modelId={s.model.modelId} refreshToken={recipesSaved} onEdit={setRecipe} onFolder={setRecipeFolder} /> : null}
          {backend && s.model && view ? (
            <NodePanel
              backend={backend}
              modelId={s.model.modelId}
              path={currentPath(s)}
              view={view}
              focus={s.focus}
              selection={s.selection}
              onOpenSubgraph={(n, a, i) => void actions?.openSubgraph(n, a, i)}
              onToggleScope={(p) => actions?.toggleScope(p)}
              onJump={(k) => actions?.jump(k)}
            />
          ) : null}
          {s.model ? <ModelPanel model={s.model} /> : null}
          {backend && s.model ? <VerifySettingsPanel backend={backend} model={s.model} /> : null}
          {backend && actions && s.model ? (
            <ProfilePanel
              backend={backend}
              model={s.model}
              graph={s.graph}
              atMainGraph={s.crumbs.length <= 1}
              selection={s.selection}
              store={profileStore}
              onPick={(ids) => {
                actions.jump(`n:${ids[0]}`);
                actions.selectKeys(ids.map((id) => `n:${id}`), 'add');
              }}
              onSelect={(ids) => actions.selectKeys(ids.map((id) => `n:${id}`), 'replace')}
            />
          ) : null}
          {backend && s.model ? <ServingPanel backend={backend} model={s.model} /> : null}
        </aside>
      </main>
      {edit.actions ? <ContextMenu store={edit.store} actions={edit.actions} /> : null}
    </div>
  );
}

import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Backend, OpenedModelInfo } from '../../shared/protocol/backend.js';
import { DEFAULT_PRUNE_SETTINGS, PRUNE_METHODS, type AppChannelGroup, type PruneGroups, type PruneResult, type PruneSettings } from '../../shared/protocol/prune-api.js';
import type { EditActions } from '../edit/edit-actions.js';
import { JobProgress } from '../profile/JobProgress.js';
import { useJob } from '../profile/use-job.js';
import { NormBars } from './NormBars.js';
import { Choice } from '../panels/Choice.js';
import { CountInput, GeneratedSamples } from '../panels/CountInput.js';

// Prune, for the selection or the whole model, with the CLI's options: a job in the service
// (the registry's prune operation, recovery on calibration data, then parameters, size and
// latency measured before and after; one history step). For structured pruning, the coupled
// group of the selected layer: its nodes marked on the graph (and why it cannot be pruned, if so),
// its channel norms as bars with the cut line, and channels the user picks instead of the cut.
// A group of attention heads is shown per head (a head's norm over its slices of Q, K, V and the
// output projection), and heads are picked whole. The settings used last on a model come back
// when it is opened again (the service remembers them per model, as verification settings).

interface Props {
  backend: Backend;
  model: OpenedModelInfo;
  selection: ReadonlySet<number>;
  version: number | undefined;
  edit: EditActions;
  /** Nodes of the group shown (null: none), for the graph to mark. */
  onGroupNodes(ids: number[] | null): void;
  /** Selects and reveals a node (a group chosen in the list: its first layer). */
  onPick(id: number): void;
}

const METHOD_LABEL: Record<PruneSettings['method'], string> = { channels: 'structured channels (shrinks the model)', magnitude: 'unstructured magnitude (zeros)', '2:4': '2:4 semi-structured (zeros)' };

const unitWord = (g: AppChannelGroup, n: number) => `${g.headSize ? 'head' : 'channel'}${n === 1 ? '' : 's'}`;
const groupKey = (g: AppChannelGroup) => g.sources[0]?.name ?? '';
const groupNodes = (g: AppChannelGroup) => [...g.sources.map((s) => s.id), ...g.consumers.map((c) => c.id), ...(g.unsafe?.id != null ? [g.unsafe.id] : [])].filter((id) => id >= 0);

export function PrunePanel({ backend, model, selection, version, edit, onGroupNodes, onPick }: Props) {
  const [s, setS] = useState<PruneSettings>(DEFAULT_PRUNE_SETTINGS);
  const [open, setOpen] = useState(false);
  const [groups, setGroups] = useState<PruneGroups | null>(null);
  const [groupsError, setGroupsError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [picks, setPicks] = useState<Map<string, Set<number>>>(new Map());
  const fetch = useCallback((jobId: string) => backend.getPrune(jobId).then((r: PruneResult) => ({ job: r.job, report: r.edit })), [backend]);
  const job = useJob(backend, fetch);
  const structured = s.method === 'channels';
  // By reconstruction the channels are chosen on calibration samples when pruning: the bars show L1 norms.
  const byData = structured && s.criterion === 'reconstruction';
  const barsCriterion = s.criterion === 'reconstruction' ? 'l1' : s.criterion;

  useEffect(() => {
    let live = true;
    setS(DEFAULT_PRUNE_SETTINGS);
    backend.getPruneSettings(model.modelId).then(
      (remembered) => live && setS({ ...DEFAULT_PRUNE_SETTINGS, ...remembered }),
      () => undefined,
    );
    return () => void (live = false);
  }, [backend, model.modelId]);

  // The groups of the model as it is now (again after each edit: channels and norms change).
  useEffect(() => {
    if (!open || !structured) return;
    let live = true;
    setGroupsError(null);
    backend.getPruneGroups(model.modelId, barsCriterion, !!s.hidden).then(
      (g) => live && setGroups(g),
      (e: Error) => live && (setGroups(null), setGroupsError(e.message)),
    );
    return () => void (live = false);
  }, [backend, model.modelId, open, structured, barsCriterion, s.hidden, version]);
  useEffect(() => setPicks(new Map()), [model.modelId, version]);

  // The group shown: the one a selected node leads (or is consumed by), else the one chosen in the list.
  const ids = selection.size ? [...selection].sort((a, b) => a - b) : undefined;
  const group = useMemo(() => {
    if (!groups) return null;
    const bySelection = groups.groups.find((g) => g.sources.some((x) => selection.has(x.id))) ?? groups.groups.find((g) => g.consumers.some((x) => selection.has(x.id)));
    return bySelection ?? groups.groups.find((g) => groupKey(g) === chosen) ?? null;
  }, [groups, selection, chosen]);
  useEffect(() => {
    onGroupNodes(open && structured && group ? groupNodes(group) : null);
  }, [open, structured, group, onGroupNodes]);
  useEffect(() => () => onGroupNodes(null), [onGroupNodes]);

  const set = (change: Partial<PruneSettings>) => setS((x) => ({ ...x, ...change }));
  const picked = group ? (picks.get(groupKey(group)) ?? new Set<number>()) : new Set<number>();
  const toggle = (c: number) => {
    if (!group) return;
    const key = groupKey(group);
    setPicks((m) => {
      const next = new Map(m);
      const set = new Set(next.get(key) ?? []);
      if (set.has(c)) set.delete(c);
      else set.add(c);
      next.set(key, set);
      return next;
    });
  };
  const channels = Object.fromEntries([...picks].filter(([, c]) => c.size).map(([k, c]) => [k, [...c].sort((a, b) => a - b)]));
  const picking = structured && Object.keys(channels).length > 0;
  const run = async () => {
    const settings: PruneSettings = { ...s, ...(picking ? { channels } : {}) };
    const scope = picking ? undefined : ids;
    const result = await job.run(() => backend.startPrune({ modelId: model.modelId, settings, ...(scope ? { selection: scope } : {}), ...(version !== undefined ? { version } : {}) }));
    if (result) await edit.showEdit(result);
  };
  // With the hidden size, sparsity is a fraction of parameters: each group's cut is found when pruning (the step's summary gives it), so none is drawn.
  const byParameters = (s.budget ?? (s.hidden ? 'parameters' : 'channels')) === 'parameters';
  // By reconstruction the weakest L1 norms are not the channels that go, so no cut is drawn either.
  const cut = group && !byParameters && !byData ? Math.min(Math.round(s.sparsity * group.size), group.size - 1) : 0;
  const pickedCount = Object.values(channels).reduce((a, c) => a + c.length, 0);
  // Picks in a head group are heads.
  const pickedHeads = Object.entries(channels).reduce((a, [k, c]) => a + (groups?.groups.find((g) => groupKey(g) === k)?.headSize ? c.length : 0), 0);
  const pickedWhat = pickedHeads === pickedCount ? `head${pickedCount === 1 ? '' : 's'}` : pickedHeads ? `channels and heads` : `channel${pickedCount === 1 ? '' : 's'}`;

  return (
    <section className="panel prune" aria-label="prune">
      <h2>
        <button type="button" className="panel-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? '▾' : '▸'} Prune
        </button>
      </h2>
      {open ? (
        <form
          className="quantize-form prune-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <p className="muted">{picking ? `The ${pickedCount} picked ${pickedWhat} (other groups left alone)` : `For ${ids ? `${ids.length} selected node${ids.length === 1 ? '' : 's'}` : 'the whole model'}`}</p>
          <Choice text="method" label="prune method" value={s.method} options={PRUNE_METHODS.map((m) => [m, METHOD_LABEL[m]] as const)} onChange={(method) => set({ method })} />
          {structured ? (
            <Choice
              text="criterion"
              label="prune criterion"
              value={s.criterion}
              options={[['l1', 'L1 norm'], ['l2', 'L2 norm'], ['reconstruction', 'reconstruction (calibration data; best with recovery)']]}
              onChange={(criterion) => set({ criterion })}
            />
          ) : null}
          {byData ? (
            <p className="muted" role="note" aria-label="reconstruction note">
              By reconstruction, the channels that go are those the layers reading them can best do without, found on the calibration samples when pruning: the bars show L1 norms, and no cut line. Picked channels still override.
            </p>
          ) : null}
          {s.method !== '2:4' ? (
            <label>
              sparsity <input type="number" aria-label="prune sparsity" min={0} max={0.95} step={0.05} value={s.sparsity} onChange={(e) => set({ sparsity: Math.min(0.95, Math.max(0, Number(e.target.value) || 0)) })} />
            </label>
          ) : null}
          {structured ? (
            <label>
              <input type="checkbox" aria-label="prune hidden size" checked={!!s.hidden} onChange={(e) => set({ hidden: e.target.checked })} /> hidden size too (transformers: embeddings, LayerNorm, the residual stream; sparsity is then the fraction of parameters removed; not function-preserving)
            </label>
          ) : null}
          {structured ? (
            <Choice
              text="sparsity of"
              label="prune budget"
              value={byParameters ? 'parameters' : 'channels'}
              options={[['channels', "each group's channels"], ['parameters', "the model's parameters"]]}
              onChange={(budget) => set({ budget })}
            />
          ) : null}
          {s.method !== 'channels' ? <p className="quantize-warning" role="note">Zeros alone do not make onnxruntime&apos;s CPU kernels faster; the step shows the measured latency.</p> : null}
          {structured ? (
            <div className="prune-group" aria-label="channel group">
              {groupsError ? <p className="job-error">{groupsError}</p> : null}
              {groups ? (
                <label>
                  group{' '}
                  <select aria-label="prune group" value={group ? groupKey(group) : ''} onChange={(e) => {
                      const key = e.target.value || null;
                      setChosen(key);
                      const first = groups.groups.find((g) => groupKey(g) === key)?.sources[0];
                      if (first && first.id >= 0) onPick(first.id);
                    }}
                  >
                    <option value="">{groups.groups.length ? 'select a layer, or choose' : 'no prunable layers'}</option>
                    {groups.groups.map((g) => (
                      <option key={groupKey(g)} value={groupKey(g)}>
                        {`${g.sources.map((x) => x.name).join(' + ')} (${g.headSize ? `${g.size} heads` : g.size})${g.unsafe ? ' ⚠' : ''}`}
                      </option>
                    ))}
                  </select>
                </label>
              ) : !groupsError ? (
                <p className="muted">Finding channel groups…</p>
              ) : null}
              {group ? (
                <>
                  <p className="muted" aria-label="group summary">{`${group.sources.length === 1 ? `${group.sources[0]!.name} alone` : `${group.sources.length} layers coupled: ${group.sources.map((x) => x.name).join(', ')}`}; ${group.headSize ? `${group.size} attention heads of ${group.headSize} channels` : `${group.size} channels`}; ${group.consumers.length} consumer${group.consumers.length === 1 ? '' : 's'} shrink${group.consumers.length === 1 ? 's' : ''}`}</p>
                  {group.normalizedBy && !group.unsafe ? (
                    <p className="quantize-warning" role="note" aria-label="hidden size note">{`The hidden size: ${group.normalizedBy} normalizes over these channels, so removing them changes every LayerNorm's mean and variance (not function-preserving); recovery refits the layers that read them.`}</p>
                  ) : null}
                  {group.unsafe ? (
                    <p className="quantize-slower" role="alert" aria-label="unsafe group">{`Cannot be pruned: ${group.unsafe.node}: ${group.unsafe.reason}`}</p>
                  ) : (
                    <>
                      {group.headSize ? <h3 className="prune-heads-title">Attention heads</h3> : null}
                      <NormBars norms={group.norms} cut={cut} picked={picked} onToggle={toggle} unit={group.headSize ? 'head' : 'channel'} />
                      <p className="muted">{picked.size ? `${picked.size} ${unitWord(group, picked.size)} picked: ${[...picked].sort((a, b) => a - b).join(', ')}` : `${byData ? 'L1 norms, weakest first (no cut: see the note above)' : byParameters ? `Weakest first; the cut is the fraction of every group's ${unitWord(group, 2)} that removes ${s.sparsity} of the parameters` : `${cut} weakest ${unitWord(group, cut)} below the cut at sparsity ${s.sparsity}`}; click bars to pick ${unitWord(group, 2)} instead`}</p>
                      {picked.size ? (
                        <button type="button" onClick={() => setPicks((m) => new Map([...m].filter(([k]) => k !== groupKey(group))))}>
                          Clear picks
                        </button>
                      ) : null}
                    </>
                  )}
                </>
              ) : null}
            </div>
          ) : null}
          <label>
            <input type="checkbox" aria-label="recover" checked={s.recover} onChange={(e) => set({ recover: e.target.checked })} /> recover without training ({structured ? 'least-squares refit of every layer downstream' : 'bias correction'})
          </label>
          {s.recover || byData ? (
            <fieldset>
              <legend className="muted">Calibration samples</legend>
              <label>
                <input type="radio" name="prune-calibration" checked={s.calibration === 'settings'} onChange={() => set({ calibration: 'settings' })} /> the verification inputs
              </label>
              <label>
                <input type="radio" name="prune-calibration" aria-label="generated calibration" checked={s.calibration === 'generated'} onChange={() => set({ calibration: 'generated' })} /> generated
              </label>
              {s.calibration === 'generated' ? (
                <GeneratedSamples label="prune calibration samples" value={s.samples} onChange={(samples) => set({ samples })} warning="Random inputs fit the refit to noise: recover on real samples for a model you keep." />
              ) : null}
            </fieldset>
          ) : null}
          <label>
            timed runs <CountInput label="prune latency runs" value={s.runs} onChange={(runs) => set({ runs })} />
          </label>
          <div className="op-buttons">
            <button type="submit" disabled={job.running}>
              Prune
            </button>
          </div>
        </form>
      ) : null}
      <JobProgress view={job} label="prune" />
    </section>
  );
}

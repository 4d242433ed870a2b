import { ancestorScopes } from '../../shared/layout/index.js';
import type { Backend, GraphNodeInfo, GraphPath } from '../../shared/protocol/backend.js';
import { subgraphTitle, valueLabel } from '../graph/value-labels.js';
import type { ViewGraph } from '../graph/view-graph.js';
import { opDescription, opInputName } from '../operators/op-descriptions.js';
import { TensorStats } from './TensorStats.js';

// What the focused box is: a node (operator and its description, attributes, inputs and outputs
// with types and shapes, subgraphs, and statistics of the initializers it reads), a collapsed
// scope, or a graph input/output; and a summary of the selection when it holds several nodes.

const MAX_TENSORS = 6;

export interface NodePanelProps {
  backend: Backend;
  modelId: string;
  path: GraphPath;
  view: ViewGraph;
  focus: string | null;
  selection: ReadonlySet<number>;
  onOpenSubgraph(node: GraphNodeInfo, attribute: string, index: number | undefined): void;
  onToggleScope(path: string): void;
  onJump(key: string): void;
}

function ValueCell({ view, name, onJump }: { view: ViewGraph; name: string; onJump(key: string): void }) {
  const p = view.prepared;
  const info = p.values.get(name);
  const producer = p.producer.get(name);
  const target = producer !== undefined ? `n:${p.info.nodes[producer].id}` : p.inputs.some((i) => i.name === name) ? `i:${name}` : null;
  return (
    <>
      <td>
        {target ? (
          <button type="button" className="link" onClick={() => onJump(target)} title="go to where this value comes from">
            {name}
          </button>
        ) : (
          name
        )}
      </td>
      <td className={info?.source === 'inferred' ? 'type inferred' : 'type'} title={info?.source === 'inferred' ? 'inferred shape' : undefined}>
        {p.initializers.has(name) ? 'initializer ' : ''}
        {valueLabel(info) || '?'}
      </td>
    </>
  );
}

function opHistogram(view: ViewGraph, indices: Iterable<number>): [string, number][] {
  const counts = new Map<string, number>();
  for (const i of indices) {
    const op = view.prepared.info.nodes[i].opType;
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function OpList({ ops }: { ops: [string, number][] }) {
  return (
    <table className="values">
      <tbody>
        {ops.slice(0, 20).map(([op, n]) => (
          <tr key={op}>
            <th scope="row">{op}</th>
            <td>{n}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NodeDetails(props: NodePanelProps & { node: GraphNodeInfo }) {
  const { node, view, onJump } = props;
  const p = view.prepared;
  const scope = p.tree.paths[p.tree.scopeOf[p.nodeIndex.get(node.id) ?? 0]];
  // Initializers and constants it reads, or for a Constant node, its own value.
  const tensors =
    node.opType === 'Constant' && node.inputs.length === 0 && node.outputs[0]
      ? [{ v: node.outputs[0], slot: -1 }]
      : node.inputs.map((v, slot) => ({ v, slot })).filter(({ v }) => v && (p.initializers.has(v) || p.constants.has(v)));
  const attrs = Object.entries(node.attributes);
  return (
    <>
      <h3 className="op-title">
        {node.domain && node.domain !== 'ai.onnx' ? `${node.domain}:` : ''}
        {node.opType}
      </h3>
      <p className="op-description">{opDescription(node.opType, node.domain)}</p>
      <dl className="facts">
        <dt>name</dt>
        <dd>{node.name || '(unnamed)'}</dd>
        <dt>id</dt>
        <dd>{node.id}</dd>
      </dl>
      {scope ? (
        <nav className="scopes" aria-label="scopes of this node">
          <span className="muted">scope</span>
          {ancestorScopes(scope).map((s) => (
            <button key={s} type="button" className="link" aria-label={`collapse scope ${s}`} title={`collapse ${s}`} onClick={() => props.onToggleScope(s)}>
              {s.slice(s.lastIndexOf('/'))}
            </button>
          ))}
        </nav>
      ) : null}
      <h4>Attributes</h4>
      {attrs.length ? (
        <table className="values" aria-label="attributes">
          <tbody>
            {attrs.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">none</p>
      )}
      <h4>Inputs</h4>
      <table className="values" aria-label="inputs">
        <tbody>
          {node.inputs.map((v, i) => (
            <tr key={i}>
              <th scope="row">{opInputName(node.opType, i) ?? i}</th>
              {v ? <ValueCell view={view} name={v} onJump={onJump} /> : <td colSpan={2}>(omitted)</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Outputs</h4>
      <table className="values" aria-label="outputs">
        <tbody>
          {node.outputs.map((v, i) => (
            <tr key={i}>
              <th scope="row">{i}</th>
              {v ? <ValueCell view={view} name={v} onJump={onJump} /> : <td colSpan={2}>(omitted)</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {node.subgraphs.length ? (
        <>
          <h4>Subgraphs</h4>
          <ul className="subgraphs">
            {node.subgraphs.map((s) => (
              <li key={`${s.attribute}:${s.index ?? ''}`}>
                <button type="button" onClick={() => props.onOpenSubgraph(node, s.attribute, s.index)}>
                  {`open ${subgraphTitle(s)} (${s.nodeCount} node${s.nodeCount === 1 ? '' : 's'})`}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {tensors.length ? <h4>{node.opType === 'Constant' ? 'Value' : 'Initializers and constants'}</h4> : null}
      {tensors.slice(0, MAX_TENSORS).map(({ v, slot }) => (
        <TensorStats key={v} backend={props.backend} modelId={props.modelId} path={props.path} name={v} slot={slot >= 0 ? opInputName(node.opType, slot) : undefined} />
      ))}
      {tensors.length > MAX_TENSORS ? <p className="muted">{`${tensors.length - MAX_TENSORS} more initializers not shown`}</p> : null}
    </>
  );
}

export function NodePanel(props: NodePanelProps) {
  const { view, focus, selection } = props;
  const p = view.prepared;
  const index = focus ? view.keyIndex.get(focus) : undefined;
  const item = index !== undefined ? view.items[index] : undefined;
  let body: React.ReactNode = <p className="muted">Select a node to see its details.</p>;
  if (focus?.startsWith('n:')) {
    const nodeIndex = p.nodeIndex.get(Number(focus.slice(2)));
    if (nodeIndex !== undefined) body = <NodeDetails {...props} node={p.info.nodes[nodeIndex]} />;
  } else if (item?.kind === 'scope') {
    const members: number[] = [];
    view.itemOfNode.forEach((it, n) => {
      if (it === index) members.push(n);
    });
    body = (
      <>
        <h3>Scope {item.title}</h3>
        <p>{`${members.length} nodes, collapsed`}</p>
        <button type="button" onClick={() => props.onToggleScope(item.title)} aria-label={`expand scope ${item.title}`}>
          Expand
        </button>
        <h4>Operators</h4>
        <OpList ops={opHistogram(view, members)} />
      </>
    );
  } else if (item && (item.kind === 'input' || item.kind === 'output')) {
    const name = focus!.slice(2);
    const consumers = p.info.nodes.filter((n) => n.inputs.includes(name));
    body = (
      <>
        <h3>{item.kind === 'input' ? 'Graph input' : 'Graph output'}</h3>
        <table className="values">
          <tbody>
            <tr>
              <th scope="row">value</th>
              <ValueCell view={view} name={name} onJump={props.onJump} />
            </tr>
          </tbody>
        </table>
        {item.kind === 'input' ? <p>{`read by ${consumers.length} node${consumers.length === 1 ? '' : 's'}`}</p> : null}
      </>
    );
  }
  const selected = [...selection].map((id) => p.nodeIndex.get(id)).filter((i): i is number => i !== undefined);
  return (
    <section className="panel" aria-label="node panel">
      <h2>Node</h2>
      {selected.length > 1 ? (
        <div className="selection-summary" aria-label="selection">
          <p>{`${selected.length} nodes selected`}</p>
          <OpList ops={opHistogram(view, selected)} />
        </div>
      ) : null}
      {body}
    </section>
  );
}

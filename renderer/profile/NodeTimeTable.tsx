import { useEffect, useMemo, useRef, useState } from 'react';
import type { NodeRecord } from '../../shared/profile/report-schema.js';
import { kernelNodeIds } from './heat-map.js';

// The profile's kernels as a sortable table, tied to the graph both ways: a click on a row
// selects (and centres) the model nodes the kernel computes; a row whose nodes are selected is
// marked, and the first such row scrolled into view.

type Column = 'opType' | 'typicalMs' | 'share' | 'originalNodes';

const COLUMNS: { key: Column; label: string; numeric: boolean }[] = [
  { key: 'opType', label: 'op type', numeric: false },
  { key: 'typicalMs', label: 'ms', numeric: true },
  { key: 'share', label: 'share', numeric: true },
  { key: 'originalNodes', label: 'model nodes', numeric: false },
];

interface Props {
  nodes: NodeRecord[];
  ids: ReadonlyMap<string, number>;
  selection: ReadonlySet<number>;
  onPick(ids: number[]): void;
}

function value(r: NodeRecord, c: Column): string | number {
  return c === 'originalNodes' ? r.originalNodes.join(', ') : r[c];
}

export function NodeTimeTable({ nodes, ids, selection, onPick }: Props) {
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({ column: 'typicalMs', descending: true });
  const rows = useMemo(() => {
    const sorted = [...nodes].sort((a, b) => {
      const va = value(a, sort.column);
      const vb = value(b, sort.column);
      const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return sort.descending ? -d : d;
    });
    return sorted.map((r) => ({ r, ids: kernelNodeIds(r, ids) }));
  }, [nodes, ids, sort]);
  const body = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    body.current?.querySelector('tr[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selection]);

  return (
    <div className="node-time-table">
      <table aria-label="time per node">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} aria-sort={sort.column === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'} className={c.numeric ? 'num' : undefined}>
                <button type="button" onClick={() => setSort((s) => ({ column: c.key, descending: s.column === c.key ? !s.descending : c.numeric }))}>
                  {c.label}
                  {sort.column === c.key ? (sort.descending ? ' ▾' : ' ▴') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map(({ r, ids: nodeIds }) => {
            const selected = nodeIds.some((id) => selection.has(id));
            return (
              <tr key={r.name} aria-selected={selected} className={selected ? 'selected' : undefined} onClick={() => nodeIds.length && onPick(nodeIds)} title={`kernel ${r.name}${nodeIds.length ? '' : ' (computes no node of this graph)'}`}>
                <td>{r.opType}</td>
                <td className="num">{r.typicalMs.toFixed(3)}</td>
                <td className="num">{`${(100 * r.share).toFixed(1)}%`}</td>
                <td className="mono">{r.originalNodes.join(', ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

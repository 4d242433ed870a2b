import { describe, expect, it } from 'vitest';
import { neighbourItem } from '../../renderer/graph/keyboard-nav.js';
import type { ViewEdge } from '../../renderer/graph/view-graph.js';

const edge = (source: number, target: number): ViewEdge => ({ source, target, value: `${source}>${target}`, label: '', fullLabel: '', inferred: false, implicit: false });

describe('keyboard navigation', () => {
  //      0
  //    /   \
  //   1     2
  //    \   /
  //      3
  const edges = [edge(0, 1), edge(0, 2), edge(1, 3), edge(2, 3)];
  const layout = { x: [100, 50, 150, 100], rank: [0, 1, 1, 2] };

  it('starts at the top-left box', () => {
    expect(neighbourItem(edges, layout, 4, null, 'down')).toBe(0);
  });

  it('goes down to the consumer nearest in x and up to the nearest producer', () => {
    expect(neighbourItem(edges, { x: [100, 50, 120, 100], rank: layout.rank }, 4, 0, 'down')).toBe(2);
    expect(neighbourItem(edges, layout, 4, 1, 'down')).toBe(3);
    expect(neighbourItem(edges, layout, 4, 3, 'up')).toBe(1);
    expect(neighbourItem(edges, layout, 4, 0, 'up')).toBeNull();
  });

  it('moves left and right within a rank', () => {
    expect(neighbourItem(edges, layout, 4, 1, 'right')).toBe(2);
    expect(neighbourItem(edges, layout, 4, 2, 'left')).toBe(1);
    expect(neighbourItem(edges, layout, 4, 2, 'right')).toBeNull();
  });
});

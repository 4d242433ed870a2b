import type { SelectMode } from '../state/selection.js';
import type { Highlights } from './highlights.js';
import { itemsIn, type Scene } from './scene.js';
import type { ViewTransform } from './viewport.js';

// In canvas mode the boxes are pixels, so an offscreen list carries what a screen reader (and an
// end-to-end test) needs: a button per box in the viewport (up to a cap), plus the selected and
// focused ones, with the same accessible names the SVG drawing uses.

const MAX_LISTED = 200;

interface Props {
  scene: Scene;
  highlights: Highlights;
  transform: ViewTransform;
  size: { w: number; h: number };
  /** Changes after the view settles, to refresh the list. */
  tick: number;
  onActivate(item: number, mode: SelectMode): void;
}

export function AccessibleItems({ scene, highlights, transform: t, size, onActivate }: Props) {
  const listed = new Set<number>();
  if (highlights.focus >= 0) listed.add(highlights.focus);
  for (let i = 0; i < highlights.selected.length && listed.size < MAX_LISTED / 2; i++) if (highlights.selected[i]) listed.add(i);
  if (size.w) {
    const rect = { x0: -t.x / t.k, y0: -t.y / t.k, x1: (size.w - t.x) / t.k, y1: (size.h - t.y) / t.k };
    for (const i of itemsIn(scene, rect, MAX_LISTED)) {
      if (listed.size >= MAX_LISTED) break;
      listed.add(i);
    }
  }
  const items = [...listed].sort((a, b) => a - b);
  return (
    <ul className="graph-items sr-only" aria-label="visible nodes">
      {items.map((i) => (
        <li key={scene.view.items[i].key}>
          <button
            type="button"
            id={`graph-item-${i}`}
            tabIndex={-1}
            aria-label={scene.view.items[i].ariaLabel}
            aria-pressed={highlights.selected[i] ? true : false}
            onClick={(e) => {
              e.stopPropagation();
              onActivate(i, e.shiftKey ? 'add' : e.ctrlKey || e.metaKey ? 'toggle' : 'replace');
            }}
          >
            {scene.view.items[i].label}
          </button>
        </li>
      ))}
    </ul>
  );
}

import { CATEGORY_COLORS } from '../operators/categories.js';
import { heatColor } from './heat-color.js';
import type { Scene } from './scene.js';

/** The boxes to fill, grouped by fill colour (by heat when a heat map is on, else by operator category), so that each colour is one canvas path. */
export function boxesByColor(scene: Scene, boxes: readonly number[], heat: Float32Array | null): Map<string, number[]> {
  const { items } = scene.view;
  const byColor = new Map<string, number[]>();
  for (const i of boxes) {
    const c = heat ? heatColor(heat[i]) : CATEGORY_COLORS[items[i].category];
    let list = byColor.get(c);
    if (!list) byColor.set(c, (list = []));
    list.push(i);
  }
  return byColor;
}

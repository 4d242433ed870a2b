import { useEffect, useRef } from 'react';
import { CATEGORY_COLORS } from '../operators/categories.js';
import type { ViewTransform } from './viewport.js';
import { scopeName } from './canvas-draw.js';
import type { Scene } from './scene.js';
import { FONT_FAMILY, LABEL_COLOR, NAME_HALO } from './theme.js';

// An overview of the whole graph with the viewport drawn on it; pressing or dragging on it moves
// the view there. The graph is painted once per scene into a cached bitmap; a pan only redraws
// the viewport rectangle.

export const MINIMAP_WIDTH = 160;
export const MINIMAP_HEIGHT = 200;

interface Props {
  scene: Scene;
  /** Subscribes to viewport changes; the callback gets the transform and the view size. */
  subscribe(listener: (t: ViewTransform, w: number, h: number) => void): () => void;
  onCenter(x: number, y: number): void;
}

function scaleOf(scene: Scene): number {
  return Math.min(MINIMAP_WIDTH / Math.max(1, scene.width), MINIMAP_HEIGHT / Math.max(1, scene.height));
}

/** Collapsed scopes' names, as the view writes them when zoomed out: biggest first, none over another. */
function drawNames(ctx: CanvasRenderingContext2D, scene: Scene, s: number, width: number): void {
  const { items } = scene.view;
  const { x, y } = scene.layout;
  const { total } = scene.view.prepared.tree;
  const scopes = items.flatMap((item, i) => (item.kind === 'scope' ? [i] : []));
  scopes.sort((a, b) => total[items[b].scope] - total[items[a].scope] || a - b);
  const size = 9;
  ctx.font = `${size}px ${FONT_FAMILY}`;
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 3;
  ctx.lineJoin = 'round';
  ctx.strokeStyle = NAME_HALO;
  ctx.fillStyle = LABEL_COLOR;
  const taken: number[] = [];
  for (const i of scopes.slice(0, 400)) {
    const text = scopeName(items[i]);
    const w = text.length * size * 0.62;
    const sx = Math.max(1, Math.min(x[i] * s - w / 2, width - w - 1));
    const sy = y[i] * s;
    const box = [sx, sy - size / 2, sx + w, sy + size / 2];
    let free = true;
    for (let k = 0; k < taken.length && free; k += 4) free = !(taken[k] < box[2] && taken[k + 2] > box[0] && taken[k + 1] < box[3] && taken[k + 3] > box[1]);
    if (!free) continue;
    taken.push(...box);
    ctx.strokeText(text, sx, sy);
    ctx.fillText(text, sx, sy);
  }
}

export function Minimap({ scene, subscribe, onCenter }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const viewRef = useRef<HTMLDivElement>(null);
  const s = scaleOf(scene);
  // A very tall graph still gets a strip wide enough to aim at, and room for scope names when it has collapsed scopes.
  const named = scene.view.items.some((item) => item.kind === 'scope');
  const width = Math.max(named ? 96 : 24, Math.round(scene.width * s));
  const height = Math.max(24, Math.round(scene.height * s));

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    ctx.setTransform(dpr * s, 0, 0, dpr * s, 0, 0);
    const { items } = scene.view;
    const { x, y } = scene.layout;
    const min = 1.5 / s;
    for (let i = 0; i < items.length; i++) {
      ctx.fillStyle = CATEGORY_COLORS[items[i].category];
      ctx.fillRect(x[i] - items[i].width / 2, y[i] - items[i].height / 2, Math.max(items[i].width, min), Math.max(items[i].height, min));
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawNames(ctx, scene, s, width);
  }, [scene, s, width, height]);

  useEffect(
    () =>
      subscribe((t, w, h) => {
        const v = viewRef.current;
        if (!v) return;
        const left = Math.max(0, (-t.x / t.k) * s);
        const top = Math.max(0, (-t.y / t.k) * s);
        const right = Math.min(width, ((w - t.x) / t.k) * s);
        const bottom = Math.min(height, ((h - t.y) / t.k) * s);
        v.style.transform = `translate(${left}px, ${top}px)`;
        v.style.width = `${Math.max(2, right - left)}px`;
        v.style.height = `${Math.max(2, bottom - top)}px`;
      }),
    [subscribe, s, width, height],
  );

  const moveTo = (e: React.PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    onCenter((e.clientX - r.left) / s, (e.clientY - r.top) / s);
  };

  return (
    <div
      className="minimap"
      style={{ width, height }}
      aria-hidden="true"
      onPointerDown={(e) => {
        e.stopPropagation();
        e.currentTarget.setPointerCapture(e.pointerId);
        moveTo(e);
      }}
      onPointerMove={(e) => {
        if (e.buttons & 1) moveTo(e);
      }}
      onClick={(e) => e.stopPropagation()}
    >
      <canvas ref={canvasRef} style={{ width, height }} />
      <div ref={viewRef} className="minimap-view" />
    </div>
  );
}

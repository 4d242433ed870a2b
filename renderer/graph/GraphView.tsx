import { select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { modeOf, type SelectMode } from '../state/selection.js';
import { AccessibleItems } from './AccessibleItems.js';
import { drawScene, type DrawnGeometry } from './canvas-draw.js';
import type { Highlights } from './highlights.js';
import { neighbourItem, type Direction } from './keyboard-nav.js';
import { Minimap } from './Minimap.js';
import { constantAt, itemAt, itemsIn, type Scene } from './scene.js';
import { SCOPE_NAME_PX, SVG_EDGE_LABEL_SCALE } from './theme.js';
import { SvgScene } from './SvgScene.js';
import { centreOn, fitTransform, initialTransform, inView, type ViewTransform } from './viewport.js';

// The graph view: d3-zoom pan and zoom over an SVG drawing (small graphs) or a canvas with level
// of detail (large ones), a minimap, keyboard navigation, click / shift / ctrl selection and
// rubber-band selection (shift-drag). It holds no app state: it reports gestures upward.

/** Graphs with more boxes than this are drawn on canvas. */
export const SVG_MAX_ITEMS = 400;

export interface GraphViewProps {
  scene: Scene;
  highlights: Highlights;
  /** Brings `highlights.focus` into view whenever this number changes. */
  revealToken: number;
  /** Fits the whole graph whenever this number changes. */
  fitToken: number;
  onActivate(item: number, mode: SelectMode): void;
  /** A click on a constant drawn inside a box: the Constant node (index in info.nodes). */
  onActivateNode?(nodeIndex: number, mode: SelectMode): void;
  onRubberBand(items: number[], mode: SelectMode): void;
  onBackground(): void;
  onOpen(item: number): void;
  onBack(): void;
  /** Collapses the innermost expanded scope around a box (the C key). */
  onCollapse(item: number): void;
  onMove(item: number): void;
  onToggleScope(path: string): void;
  /** A right click on a box (at client coordinates). */
  onContextMenu?(item: number, clientX: number, clientY: number): void;
  /** A graph re-prepared after an edit: its scene keeps the current zoom and place. */
  keepViewOf?: unknown;
  /** Called once a new scene has been drawn and the view answers input. */
  onDrawn(info: { mode: 'svg' | 'canvas' }): void;
}

const KEY_DIRECTIONS: Record<string, Direction> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };

export function GraphView(props: GraphViewProps) {
  const { scene, highlights } = props;
  const containerRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const groupRef = useRef<SVGGElement>(null);
  const zoomRef = useRef<ZoomBehavior<HTMLDivElement, unknown> | null>(null);
  const transform = useRef<ViewTransform>({ x: 0, y: 0, k: 1 });
  const [size, setSize] = useState({ w: 0, h: 0 });
  const sizeRef = useRef(size);
  sizeRef.current = size;
  const latest = useRef(props);
  latest.current = props;
  const listeners = useRef(new Set<(t: ViewTransform, w: number, h: number) => void>());
  const frame = useRef(0);
  const [band, setBand] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const suppressClick = useRef(false);
  const [a11yTick, setA11yTick] = useState(0);
  const a11yTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const svgMode = scene.view.items.length <= SVG_MAX_ITEMS;

  const draw = useCallback(() => {
    frame.current = 0;
    const canvas = canvasRef.current;
    const { w, h } = sizeRef.current;
    if (!canvas || !w) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const drawn: DrawnGeometry = { labels: [], boxes: [], names: [] };
    drawScene(ctx, latest.current.scene, transform.current, w, h, dpr, latest.current.highlights, drawn);
    // The last frame's geometry, for end-to-end tests that measure what was drawn.
    (canvas as HTMLCanvasElement & { drawn?: DrawnGeometry }).drawn = drawn;
  }, []);

  const requestDraw = useCallback(() => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  const applyTransform = useCallback(() => {
    const t = transform.current;
    const g = groupRef.current;
    if (g) {
      g.setAttribute('transform', `translate(${t.x},${t.y}) scale(${t.k})`);
      // Scope names keep a readable size on screen however far out the view zooms.
      g.style.setProperty('--scope-name-size', `${Math.max(11, SCOPE_NAME_PX / t.k)}px`);
      g.style.setProperty('--scope-name-halo', `${3 / t.k}px`);
      // Text under a few pixels is noise (and Chromium measures it loosely): edge labels go, as on the canvas.
      g.classList.toggle('far', t.k < SVG_EDGE_LABEL_SCALE);
    }
    if (containerRef.current) containerRef.current.dataset.zoom = t.k.toFixed(3);
    if (canvasRef.current) requestDraw();
    for (const l of listeners.current) l(t, sizeRef.current.w, sizeRef.current.h);
    clearTimeout(a11yTimer.current);
    a11yTimer.current = setTimeout(() => setA11yTick((n) => n + 1), 150);
  }, [requestDraw]);

  const setTransform = useCallback((t: ViewTransform, animate = false) => {
    const el = containerRef.current;
    const z = zoomRef.current;
    if (!el || !z) return;
    const target = zoomIdentity.translate(t.x, t.y).scale(t.k);
    if (animate) select(el).transition().duration(250).call(z.transform, target);
    else select(el).call(z.transform, target);
  }, []);

  useLayoutEffect(() => {
    const el = containerRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    observer.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    const z = zoom<HTMLDivElement, unknown>()
      // The extent from the known size: d3's default reads clientWidth, forcing a layout of the whole drawing.
      .extent(() => [
        [0, 0],
        [sizeRef.current.w || 1, sizeRef.current.h || 1],
      ])
      .scaleExtent([0.001, 4])
      .filter((e: MouseEvent | WheelEvent) => (!e.ctrlKey || e.type === 'wheel') && !e.button && !e.shiftKey)
      .on('zoom', (e: { transform: ViewTransform }) => {
        transform.current = { x: e.transform.x, y: e.transform.y, k: e.transform.k };
        applyTransform();
      });
    zoomRef.current = z;
    select(el).call(z).on('dblclick.zoom', null);
    return () => {
      observer.disconnect();
      select(el).on('.zoom', null);
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      clearTimeout(a11yTimer.current);
    };
  }, [applyTransform]);

  // A new scene opens at its initial view, is drawn, and is reported once the page has painted it.
  const shownScene = useRef<Scene | null>(null);
  useLayoutEffect(() => {
    if (!size.w || shownScene.current === scene) return;
    const edited = shownScene.current !== null && latest.current.keepViewOf === scene.view.prepared;
    const first = !edited && (shownScene.current === null || shownScene.current.view.prepared !== scene.view.prepared);
    shownScene.current = scene;
    const fit = fitTransform(scene.width, scene.height, size.w, size.h);
    zoomRef.current?.scaleExtent([Math.min(0.05, fit.k / 2), 4]);
    const focus = latest.current.highlights.focus;
    if (edited) {
      // An edit's graph: stay where the user was.
    } else if (!first && focus >= 0) {
      setTransform(centreOn(scene.layout.x[focus], scene.layout.y[focus], Math.max(transform.current.k, 0.6), size.w, size.h));
    } else setTransform(initialTransform(scene.width, scene.height, size.w, size.h));
    applyTransform();
    if (canvasRef.current) draw();
    let done = false;
    const id = requestAnimationFrame(() =>
      setTimeout(() => {
        done = true;
        latest.current.onDrawn({ mode: svgMode ? 'svg' : 'canvas' });
      }, 0),
    );
    return () => {
      if (!done) cancelAnimationFrame(id);
    };
  }, [scene, size.w, size.h, setTransform, applyTransform, draw, svgMode]);

  useEffect(() => {
    if (canvasRef.current) requestDraw();
  }, [highlights, size, requestDraw]);

  useEffect(() => {
    if (!props.fitToken) return;
    const { w, h } = sizeRef.current;
    setTransform(fitTransform(latest.current.scene.width, latest.current.scene.height, w, h), true);
  }, [props.fitToken, setTransform]);

  useEffect(() => {
    const { scene: s, highlights: hl } = latest.current;
    const i = hl.focus;
    if (!props.revealToken || i < 0 || i >= s.view.items.length) return;
    const { w, h } = sizeRef.current;
    const item = s.view.items[i];
    const x = s.layout.x[i];
    const y = s.layout.y[i];
    const t = transform.current;
    if (inView(t, w, h, x - item.width / 2, y - item.height / 2, x + item.width / 2, y + item.height / 2) && t.k >= 0.5) return;
    setTransform(centreOn(x, y, Math.max(t.k, 0.8), w, h), true);
  }, [props.revealToken, scene, setTransform]);

  const toGraph = (clientX: number, clientY: number) => {
    const r = containerRef.current!.getBoundingClientRect();
    const t = transform.current;
    return { x: (clientX - r.left - t.x) / t.k, y: (clientY - r.top - t.y) / t.k };
  };

  /**
   * The box (and the constant line in it) an event is on: the SVG element it reached (which also
   * serves a click an assistive technology sends without coordinates), else the point's geometry.
   */
  const hit = (e: React.MouseEvent): { i: number; constant: number } => {
    const target = e.target as Element;
    const box = target.closest?.('[data-item]');
    const p = toGraph(e.clientX, e.clientY);
    if (box) {
      const i = Number(box.getAttribute('data-item'));
      const line = target.closest?.('[data-constant]');
      return { i, constant: line ? Number(line.getAttribute('data-constant')) : constantAt(scene, i, p.x, p.y) };
    }
    const i = itemAt(scene, p.x, p.y, 2 / transform.current.k);
    return { i, constant: i >= 0 ? constantAt(scene, i, p.x, p.y) : -1 };
  };

  const onClick = (e: React.MouseEvent) => {
    containerRef.current?.focus({ preventScroll: true });
    if (suppressClick.current) {
      suppressClick.current = false;
      return;
    }
    const { i, constant } = hit(e);
    if (constant >= 0 && props.onActivateNode) props.onActivateNode(constant, modeOf(e));
    else if (i >= 0) props.onActivate(i, modeOf(e));
    else if (!e.shiftKey && !e.ctrlKey && !e.metaKey) props.onBackground();
  };

  const onDoubleClick = (e: React.MouseEvent) => {
    const { i } = hit(e);
    if (i >= 0) props.onOpen(i);
  };

  const onContextMenu = (e: React.MouseEvent) => {
    if (!props.onContextMenu) return;
    const { i } = hit(e);
    if (i < 0) return;
    e.preventDefault();
    props.onContextMenu(i, e.clientX, e.clientY);
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    if (!e.shiftKey || e.button !== 0) return;
    const r = containerRef.current!.getBoundingClientRect();
    const start = { x: e.clientX - r.left, y: e.clientY - r.top };
    setBand({ x0: start.x, y0: start.y, x1: start.x, y1: start.y });
    const move = (ev: PointerEvent) => setBand({ x0: start.x, y0: start.y, x1: ev.clientX - r.left, y1: ev.clientY - r.top });
    const up = (ev: PointerEvent) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      setBand(null);
      const end = { x: ev.clientX - r.left, y: ev.clientY - r.top };
      if (Math.abs(end.x - start.x) < 4 && Math.abs(end.y - start.y) < 4) return;
      suppressClick.current = true;
      const t = transform.current;
      const rect = {
        x0: (Math.min(start.x, end.x) - t.x) / t.k,
        y0: (Math.min(start.y, end.y) - t.y) / t.k,
        x1: (Math.max(start.x, end.x) - t.x) / t.k,
        y1: (Math.max(start.y, end.y) - t.y) / t.k,
      };
      latest.current.onRubberBand(itemsIn(latest.current.scene, rect), ev.ctrlKey || ev.metaKey ? 'add' : 'replace');
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  const zoomBy = (factor: number) => {
    const el = containerRef.current;
    if (el && zoomRef.current) select(el).transition().duration(150).call(zoomRef.current.scaleBy, factor);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.target !== containerRef.current && !(e.target as HTMLElement).closest?.('.graph-items')) return;
    const direction = KEY_DIRECTIONS[e.key];
    const focus = highlights.focus >= 0 ? highlights.focus : null;
    if (direction) {
      e.preventDefault();
      const next = neighbourItem(scene.view.edges, scene.layout, scene.view.items.length, focus, direction);
      if (next !== null) props.onMove(next);
    } else if (e.key === 'Enter' && focus !== null) {
      e.preventDefault();
      props.onOpen(focus);
    } else if ((e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) && focus !== null && props.onContextMenu) {
      // The context menu from the keyboard, for the focused box, opened beside it.
      e.preventDefault();
      const r = containerRef.current!.getBoundingClientRect();
      const t = transform.current;
      props.onContextMenu(focus, r.left + t.x + scene.layout.x[focus] * t.k, r.top + t.y + scene.layout.y[focus] * t.k);
    } else if (e.key === 'Backspace') {
      e.preventDefault();
      props.onBack();
    } else if (e.key === 'Escape') props.onBackground();
    else if ((e.key === 'c' || e.key === 'C') && focus !== null) props.onCollapse(focus);
    else if (e.key === '+' || e.key === '=') zoomBy(1.25);
    else if (e.key === '-') zoomBy(0.8);
    else if (e.key === '0') {
      const { w, h } = sizeRef.current;
      setTransform(fitTransform(scene.width, scene.height, w, h), true);
    }
  };

  const subscribe = useCallback((l: (t: ViewTransform, w: number, h: number) => void) => {
    listeners.current.add(l);
    l(transform.current, sizeRef.current.w, sizeRef.current.h);
    return () => {
      listeners.current.delete(l);
    };
  }, []);

  const focusId = highlights.focus >= 0 ? `graph-item-${highlights.focus}` : undefined;
  return (
    <div
      ref={containerRef}
      className={`graph-view ${svgMode ? 'svg-mode' : 'canvas-mode'}`}
      role="application"
      aria-label="graph"
      aria-roledescription="graph view"
      aria-describedby="graph-help"
      aria-activedescendant={focusId}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onClick={onClick}
      onDoubleClick={onDoubleClick}
      onContextMenu={onContextMenu}
      onPointerDown={onPointerDown}
    >
      <p id="graph-help" className="sr-only">
        Arrow keys move between nodes, Enter expands a scope or enters a subgraph, C collapses the scope around a node,
        Shift+F10 opens the operations menu for a node, Backspace goes up to the enclosing graph, plus and minus zoom, 0 fits the graph. Shift-click adds to the selection,
        Ctrl-click toggles, shift-drag selects a region.
      </p>
      {svgMode ? (
        <svg className="graph-svg" width={size.w} height={size.h}>
          <defs>
            <marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L8,4 L0,8 z" className="arrow-head" />
            </marker>
          </defs>
          <g ref={groupRef}>
            <SvgScene scene={scene} highlights={highlights} onToggleScope={props.onToggleScope} />
          </g>
        </svg>
      ) : (
        <>
          <canvas ref={canvasRef} className="graph-canvas" style={{ width: size.w, height: size.h }} />
          <AccessibleItems scene={scene} highlights={highlights} transform={transform.current} size={size} tick={a11yTick} onActivate={props.onActivate} />
        </>
      )}
      {band ? (
        <div
          className="rubber-band"
          style={{ left: Math.min(band.x0, band.x1), top: Math.min(band.y0, band.y1), width: Math.abs(band.x1 - band.x0), height: Math.abs(band.y1 - band.y0) }}
        />
      ) : null}
      {size.w && fitTransform(scene.width, scene.height, size.w, size.h).k < 0.8 ? (
        <Minimap scene={scene} subscribe={subscribe} onCenter={(x, y) => setTransform(centreOn(x, y, transform.current.k, sizeRef.current.w, sizeRef.current.h))} />
      ) : null}
    </div>
  );
}

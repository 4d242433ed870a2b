import { curveBasis, line } from 'd3';
import { memo } from 'react';
import { CATEGORY_COLORS } from '../operators/categories.js';
import { heatColor } from './heat-color.js';
import { DIFF_ADDED, DIFF_CHANGED, type Highlights } from './highlights.js';
import { scopeName } from './canvas-draw.js';
import type { Scene } from './scene.js';
import { LINE_HEIGHT } from './view-graph.js';

// The SVG drawing of a small graph: every box is an element with role="button" and an accessible
// name, so that screen readers and end-to-end tests can find and press it. Pan and zoom move the
// parent group's transform; this component only redraws when the graph or the highlights change.

const edgeLine = line<[number, number]>().curve(curveBasis).digits(1);

/** An edge's path; edges sharing their source's bus start where they leave it unless `whole`. */
function edgeD(scene: Scene, j: number, whole: boolean): string {
  const { points, pointStart, drawFrom } = scene.layout;
  const pts: [number, number][] = [];
  for (let k = pointStart[j] + (whole ? 0 : drawFrom[j]); k < pointStart[j + 1]; k++) pts.push([points[2 * k], points[2 * k + 1]]);
  return edgeLine(pts) ?? '';
}

interface Props {
  scene: Scene;
  highlights: Highlights;
  onToggleScope(path: string): void;
}

function SvgSceneImpl({ scene, highlights, onToggleScope }: Props) {
  const { items, edges } = scene.view;
  const { nodes } = scene.view.prepared.info;
  const { x, y } = scene.layout;
  return (
    <>
      <g className="frames">
        {scene.frames.map((f) => (
          <g key={f.path} className="frame">
            <rect x={f.x0} y={f.y0} width={f.x1 - f.x0} height={f.y1 - f.y0} rx={6} />
            <text
              x={f.x0 + 6}
              y={f.y0 + 11}
              role="button"
              aria-label={`collapse scope ${f.path}`}
              className="frame-label"
              onClick={(e) => {
                e.stopPropagation();
                onToggleScope(f.path);
              }}
            >
              {`− ${f.label}`}
            </text>
          </g>
        ))}
      </g>
      <g className="edges">
        {edges.map((e, j) => {
          const active = highlights.selected[e.source] || highlights.selected[e.target];
          const classes = `edge${active ? ' edge-active' : ''}${e.implicit ? ' edge-implicit' : ''}`;
          return (
            <path key={j} d={edgeD(scene, j, active === 1)} className={classes} markerEnd="url(#arrow)">
              {e.fullLabel ? <title>{`${e.value}: ${e.fullLabel}`}</title> : null}
            </path>
          );
        })}
      </g>
      <g className="edge-labels">
        {edges.map((e, j) =>
          Number.isNaN(scene.labelX[j]) ? null : (
            <text key={j} x={scene.labelX[j] + 1} y={scene.labelY[j]} dominantBaseline="central" className={e.inferred ? 'edge-label inferred' : 'edge-label'}>
              {e.label}
              <title>{`${e.value}: ${e.fullLabel}${e.inferred ? ' (inferred)' : ''}`}</title>
            </text>
          ),
        )}
      </g>
      <g className="nodes">
        {items.map((item, i) => {
          const classes = ['box', `box-${item.kind}`];
          if (highlights.selected[i]) classes.push('selected');
          if (highlights.matched[i]) classes.push('matched');
          if (highlights.preview?.[i]) classes.push('previewed');
          if (highlights.diff?.[i] === DIFF_CHANGED) classes.push('diff-changed');
          if (highlights.diff?.[i] === DIFF_ADDED) classes.push('diff-added');
          if (highlights.focus === i) classes.push('focused');
          if (highlights.heat) classes.push('heat');
          const io = item.kind === 'input' || item.kind === 'output';
          return (
            <g
              key={item.key}
              role="button"
              aria-label={item.ariaLabel}
              aria-pressed={highlights.selected[i] ? true : false}
              tabIndex={-1}
              id={`graph-item-${i}`}
              data-item={i}
              className={classes.join(' ')}
              transform={`translate(${x[i] - item.width / 2},${y[i] - item.height / 2})`}
            >
              <title>{item.title}</title>
              <rect width={item.width} height={item.height} rx={io ? item.height / 2 : 4} fill={highlights.heat ? heatColor(highlights.heat[i]) : CATEGORY_COLORS[item.category]} />
              {item.kind === 'scope' ? (
                // One line, name and node count, so that it can grow to stay readable when zoomed out.
                <text x={item.width / 2} y={item.height / 2} dominantBaseline="central" className="box-label">
                  {scopeName(item)}
                </text>
              ) : (
                <text x={item.width / 2} y={item.lines.length || item.caption ? 13 : item.height / 2 + 1} className="box-label">
                  {item.label}
                </text>
              )}
              {item.caption ? (
                <text x={item.width / 2} y={27} className="box-caption">
                  {item.caption}
                </text>
              ) : null}
              {item.kind === 'scope' ? null : item.lines.map((l, k) => {
                const c = item.lineNodes[k];
                const at = 27 + LINE_HEIGHT * (k + (item.caption ? 1 : 0));
                if (c < 0) {
                  return (
                    <text key={k} x={item.width / 2} y={at} className="box-line">
                      {l}
                    </text>
                  );
                }
                const constant = nodes[c];
                return (
                  <text key={k} x={item.width / 2} y={at} className="box-line box-constant" role="button" data-constant={c} aria-label={`graph constant ${constant.name || constant.outputs[0]}`}>
                    {l}
                    <title>{`${constant.outputs[0]} (Constant${constant.name ? ` ${constant.name}` : ''})`}</title>
                  </text>
                );
              })}
              {item.kind === 'scope' ? (
                <text x={item.width - 10} y={13} className="box-expand" aria-hidden="true">
                  +
                </text>
              ) : null}
            </g>
          );
        })}
      </g>
    </>
  );
}

export const SvgScene = memo(SvgSceneImpl);

// Colors and fonts shared by the SVG and canvas renderers.

export const FONT_FAMILY = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace';
export const EDGE_COLOR = '#8a94a6';
export const EDGE_ACTIVE = '#1f5fbf';
export const SELECTED_STROKE = '#1f5fbf';
export const MATCH_FILL = '#ffe14d';
/** Nodes an operation's preview would remove or change. */
export const PREVIEW_STROKE = '#d9480f';
/** A comparison's graph diff: nodes changed (or fused into) and nodes added. */
export const DIFF_CHANGED_STROKE = '#7048e8';
export const DIFF_ADDED_STROKE = '#2b8a3e';
export const FOCUS_STROKE = '#0b3d91';
export const NODE_STROKE = '#5b6472';
export const FRAME_STROKE = '#b8c4d6';
export const LABEL_COLOR = '#1b1f24';
export const EDGE_LABEL_COLOR = '#5b6472';
export const IO_TEXT = '#ffffff';

/** Below this scale the canvas draws boxes only; above it, labels too. */
export const LABEL_SCALE = 0.45;
/** Edge labels need a little more room than node labels. */
export const EDGE_LABEL_SCALE = 0.7;
/** Below this scale scope frames are left out. */
export const FRAME_SCALE = 0.2;
/** Height of an edge label's box in graph units (the layout's labelHeight). */
export const EDGE_LABEL_HEIGHT = 12;
/** Below this scale a collapsed scope's name is drawn beside its box in screen pixels. */
export const SCOPE_NAME_SCALE = 0.8;
/** Screen size of those names, and the least box height (in screen pixels) that gets one. */
export const SCOPE_NAME_PX = 10;
export const SCOPE_NAME_MIN_PX = 3;
export const NAME_HALO = 'rgba(255, 255, 255, 0.85)';
/** Below this scale the SVG drawing leaves edge labels out (they would be under 3 pixels high). */
export const SVG_EDGE_LABEL_SCALE = 0.35;

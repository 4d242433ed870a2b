// Layered graph layout and collapse by name scope: pure TypeScript, runs in a Web Worker.
export { layoutGraph, layoutSteps } from './layout.js';
export { LayoutCancelled, type LayoutInput, type LayoutOptions, type LayoutProgress, type LayoutResult } from './types.js';
export {
  allScopes,
  ancestorScopes,
  buildScopeTree,
  buildScopeTreeSteps,
  collapsedRepresentatives,
  defaultExpansion,
  scopeLabel,
  scopeOfName,
  type ExpansionOptions,
  type ScopeTree,
} from './scopes.js';

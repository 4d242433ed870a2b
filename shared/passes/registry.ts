import type { Pass } from '../rewrite/pass.js';
import { deadCodeElimination } from './cleanup/dead-code.js';
import { identityElimination } from './cleanup/identity-elimination.js';
import { unusedInitializers } from './cleanup/unused-initializers.js';

/** Every pass, in the order the default preset runs them. */
export const ALL_PASSES: readonly Pass[] = [identityElimination, deadCodeElimination, unusedInitializers];

/** Named lists of passes. `default`: everything that applies to the target, cleanups first. */
export const PRESETS: Record<string, readonly string[]> = {
  default: ALL_PASSES.map((p) => p.name),
  cleanup: [identityElimination, deadCodeElimination, unusedInitializers].map((p) => p.name),
};

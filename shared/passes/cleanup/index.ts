import type { Pass } from '../../rewrite/pass.js';
import { arithmeticIdentityElimination } from './arithmetic-identity.js';
import { castMerge } from './cast-merge.js';
import { commonSubexpressionElimination } from './common-subexpression-elimination.js';
import { constantFolding } from './constant-folding.js';
import { deadCodeElimination } from './dead-code.js';
import { duplicateInitializers } from './duplicate-initializers.js';
import { identityElimination } from './identity-elimination.js';
import { ifElimination } from './if-elimination.js';
import { noopElimination } from './noop-elimination.js';
import { reshapeMerge } from './reshape-merge.js';
import { shapeFolding } from './shape-folding.js';
import { squeezeUnsqueezeMerge } from './squeeze-unsqueeze-merge.js';
import { transposeMerge } from './transpose-merge.js';
import { unusedInitializers } from './unused-initializers.js';

export {
  arithmeticIdentityElimination,
  castMerge,
  commonSubexpressionElimination,
  constantFolding,
  deadCodeElimination,
  duplicateInitializers,
  identityElimination,
  ifElimination,
  noopElimination,
  reshapeMerge,
  shapeFolding,
  squeezeUnsqueezeMerge,
  transposeMerge,
  unusedInitializers,
};

/**
 * The cleanup passes in the order they run best: pass-throughs go first (they expose pairs to
 * merge), then pairs merge, then shapes and constants fold (folding makes duplicates, and
 * settles the conditions of Ifs that then give way to the branch they take), then
 * duplicates merge (identical weights first, so that the nodes reading them become identical),
 * and what is left unread goes last.
 */
export const CLEANUP_PASSES: readonly Pass[] = [
  identityElimination,
  noopElimination,
  arithmeticIdentityElimination,
  transposeMerge,
  reshapeMerge,
  squeezeUnsqueezeMerge,
  castMerge,
  shapeFolding,
  constantFolding,
  ifElimination,
  duplicateInitializers,
  commonSubexpressionElimination,
  deadCodeElimination,
  unusedInitializers,
];

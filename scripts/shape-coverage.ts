// Prints how well shape inference matches the ONNX conformance suite's reference outputs:
// `npm run coverage:shapes` (builds, then runs dist/scripts/shape-coverage.js).
import { formatReport, measureCoverage } from '../test/shape/shape-coverage.js';

const withValues = measureCoverage(true);
console.log(formatReport(withValues));
console.log();
const typesOnly = measureCoverage(false);
console.log(formatReport(typesOnly).split('\n').slice(0, 2).join('\n'));

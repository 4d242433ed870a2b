import type { VerificationResult } from '../../shared/verify/verification-result.js';
import { verifyInputLines } from './verify-options.js';

/** A verification result as the lines `optimize --verify` prints. */
export function verificationText(v: VerificationResult): string {
  const num = (x: number | null, f: (x: number) => string) => (x === null ? 'n/a' : f(x));
  const lines = [`verification (${v.tolerance.name}, ${v.runs} input set(s)): ${v.passed ? 'passed' : 'FAILED'}${v.reason ? `: ${v.reason}` : ''}`];
  if (v.tolerance.reason) lines.push(`  tolerance ${v.tolerance.name}: ${v.tolerance.reason}`);
  for (const o of v.outputs) {
    const abs = num(o.maxAbsError, (x) => x.toExponential(2));
    const rel = num(o.maxRelError, (x) => x.toExponential(2));
    const cos = num(o.cosine, (x) => x.toFixed(7));
    const own = o.tolerance ? `, tolerance ${o.tolerance.name}` : '';
    lines.push(`  ${o.name}: max abs ${abs}, max rel ${rel}, cosine ${cos}${own}${o.reason ? ` (${o.reason})` : ''}`);
  }
  lines.push(...verifyInputLines(v));
  for (const o of v.outputs) if (o.tolerance?.reason) lines.push(`  tolerance ${o.tolerance.name} for ${o.name}: ${o.tolerance.reason}`);
  if (v.defaultedDims.length) lines.push(`  dims not given (set with --dim): ${v.defaultedDims.map((k) => `${k}=${v.boundDims[k]}`).join(', ')}`);
  return lines.join('\n');
}

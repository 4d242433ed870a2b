// Command-line options of every command that verifies its result (optimize now; quantize and
// prune take the same): --verify, --dim, --value, --inputs, parsed into VerifyInputSettings, and
// the lines that say which inputs the verification ran on.

import { WorkbenchError } from '../../shared/errors.js';
import type { GraphProto } from '../../shared/onnx/proto-types.js';
import { checkInputValues, parseValueOption, type VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import type { VerifyOptions } from '../runtime/verify.js';
import { parseDims, type OptionKind, type ParsedArgs } from './args.js';

export const VERIFY_OPTION_SPEC: Record<string, OptionKind> = { verify: 'flag', dim: 'list', value: 'list', inputs: 'string' };

export const VERIFY_OPTIONS_USAGE = '[--verify [--dim name=value] [--value NAME=NUMBER] [--inputs PATH]]';

/** The verification input settings the arguments give; --value and --inputs without --verify are errors. */
export function verifyInputSettingsFrom(args: ParsedArgs): VerifyInputSettings {
  const o = args.options;
  const values: Record<string, number> = {};
  for (const item of (o.value as string[] | undefined) ?? []) {
    const [name, value] = parseValueOption(item);
    if (Object.hasOwn(values, name)) throw new WorkbenchError('BAD_OPTION', `--value ${name} is given twice`);
    values[name] = value;
  }
  if (!o.verify && (Object.keys(values).length || o.inputs !== undefined)) {
    throw new WorkbenchError('USAGE', `${o.inputs !== undefined ? '--inputs' : '--value'} sets verification inputs; add --verify`);
  }
  const settings: VerifyInputSettings = { dims: parseDims(o.dim as string[] | undefined), values };
  if (typeof o.inputs === 'string') settings.inputsPath = o.inputs;
  return settings;
}

/** Checks the settings that need only the model (value names and types), before any work is done. */
export function checkVerifySettings(graph: GraphProto, settings: VerifyInputSettings): void {
  checkInputValues(graph, settings.values);
}

/** The settings as verifyModels options. */
export function verifyOptionsFrom(settings: VerifyInputSettings): Pick<VerifyOptions, 'dims' | 'values' | 'inputsPath'> {
  return { dims: settings.dims, values: settings.values, ...(settings.inputsPath !== undefined ? { inputsPath: settings.inputsPath } : {}) };
}

type SetInfo = VerificationResult['inputSets'][number];

const MAX_SET_LINES = 8;

// One input as the sets hold it; generated scalars differ per set, so each set's value is listed.
function inputText(sets: readonly SetInfo[], k: number): string {
  const i = sets[0]!.inputs[k]!;
  const values = sets.map((s) => s.inputs[k]?.value).filter((v) => v !== undefined);
  return `${i.name} [${i.shape.join(',')}]${values.length ? ` = ${values.join(', ')}` : ''} (${i.source})`;
}

/** Which inputs the verification ran on: each set, the dims it set itself, and the tries before that. */
export function verifyInputLines(v: VerificationResult): string[] {
  const lines: string[] = [];
  // Sets that differ only in generated values (seeds) are one line; file sets one line each.
  const generated = v.inputSets.length > 1 && v.inputSeeds.length === v.inputSets.length;
  const groups = generated ? [v.inputSets] : v.inputSets.map((s) => [s]);
  // A file of many samples would print a line each; the JSON has them all.
  const hidden = groups.length > MAX_SET_LINES ? groups.splice(MAX_SET_LINES - 1).length : 0;
  for (const g of groups) {
    const label = generated ? `input sets 1-${g.length} (seeds ${v.inputSeeds.join(', ')})` : g[0]!.label;
    lines.push(`  ${label}: ${g[0]!.inputs.map((_, k) => inputText(g, k)).join(', ')}`);
  }
  if (hidden) lines.push(`  … and ${hidden} more input sets (--json lists them)`);
  const failed = v.attempts.filter((a) => a.error);
  if (failed.length) lines.push(`  original model failed with unset dims at ${failed.map((a) => a.defaultDim).join(', ')} (${failed[failed.length - 1]!.error}); ran with ${v.attempts[v.attempts.length - 1]!.defaultDim}`);
  return lines;
}

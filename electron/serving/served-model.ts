// A model the server serves: its name and version, the file, the session settings, what
// onnxruntime says its inputs and outputs are, whether requests to it can be batched, and which
// outputs feed which inputs back when it is called step by step (streams).

import { basename } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { ServedModelInfo, ServedValueInfo, SessionSettings } from '../runtime-host/host-protocol.js';

export interface ModelSpec {
  name: string;
  version: string;
  path: string;
}

export interface ServedModel extends ModelSpec {
  session: SessionSettings;
  inputs: ServedValueInfo[];
  outputs: ServedValueInfo[];
  /** Every input and output has a free first dim: requests merge along it. */
  batchable: boolean;
  /** State input → the output that holds its next value (streams carry it from chunk to chunk). */
  state: Record<string, string>;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** `[NAME[@VERSION]=]PATH`: the name defaults to the file name without `.onnx`, the version to 1. */
export function parseModelSpec(arg: string): ModelSpec {
  const eq = arg.indexOf('=');
  const path = eq >= 0 ? arg.slice(eq + 1) : arg;
  const label = eq >= 0 ? arg.slice(0, eq) : basename(path).replace(/\.onnx$/i, '');
  const [name, version = '1'] = label.split('@');
  if (!path) throw new WorkbenchError('BAD_OPTION', `model "${arg}": no path after '='`);
  if (!name || !NAME.test(name) || !NAME.test(version)) {
    throw new WorkbenchError('BAD_OPTION', `model "${arg}": name and version may hold letters, digits, '_', '.' and '-' (write NAME[@VERSION]=PATH)`);
  }
  return { name, version, path };
}

/** Whether requests can be merged along the first dim: it is free in every input and output. */
export function isBatchable(info: ServedModelInfo): boolean {
  const all = [...info.inputs, ...info.outputs];
  return all.length > 0 && all.every((v) => v.type !== 'non-tensor' && v.shape !== null && v.shape.length > 0 && v.shape[0] === null);
}

// Names recurrent exporters give a state's next value: state → stateN (Silero v5), h → hn,
// state → state_out, past → present.
const NEXT_NAMES = (n: string): string[] => [`${n}N`, `${n}n`, `${n}_out`, `${n}_new`, `next_${n}`, n.replace(/^past/, 'present')];

// Exporters often leave an output's dims free where the input's are fixed (Silero v5: stateN [?,?,?], state [2,?,128]).
function sameShape(a: ServedValueInfo['shape'], b: ServedValueInfo['shape']): boolean {
  if (!a || !b) return true;
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

/**
 * State pairs: those given (`input=output`), else each input with an output of the same type
 * and shape whose name is a usual "next value" name for it.
 */
export function statePairs(info: ServedModelInfo, given: Record<string, string> | undefined, label: string): Record<string, string> {
  if (given && Object.keys(given).length) {
    for (const [i, o] of Object.entries(given)) {
      if (!info.inputs.some((v) => v.name === i)) throw new WorkbenchError('BAD_OPTION', `--state ${i}=${o}: model ${label} has no input '${i}'`);
      if (!info.outputs.some((v) => v.name === o)) throw new WorkbenchError('BAD_OPTION', `--state ${i}=${o}: model ${label} has no output '${o}'`);
    }
    return { ...given };
  }
  const pairs: Record<string, string> = {};
  for (const input of info.inputs) {
    const out = info.outputs.find((o) => o.name !== input.name && NEXT_NAMES(input.name).includes(o.name) && o.type === input.type && sameShape(o.shape, input.shape));
    if (out) pairs[input.name] = out.name;
  }
  return pairs;
}

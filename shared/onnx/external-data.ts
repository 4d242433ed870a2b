import { WorkbenchError } from '../errors.js';
import type { TensorProto } from './proto-types.js';

/** Where a tensor's bytes live when `data_location` is EXTERNAL. */
export interface ExternalDataRef {
  /** Path relative to the model's folder, '/'-separated, checked not to leave it. */
  location: string;
  offset: number;
  /** Byte count, or undefined for "to the end of the file". */
  length: number | undefined;
  checksum: string | undefined;
}

export const DATA_LOCATION_EXTERNAL = 1;

function parseCount(value: string | undefined, key: string, tensor: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new WorkbenchError('BAD_EXTERNAL_DATA', `tensor "${tensor}": external data ${key} "${value}" is not a byte count`);
  }
  return Number(value);
}

/**
 * Checks an external-data location the way a careful loader must: relative, and not escaping
 * the model's folder (no `..` segments that climb out, no drive letters, no NUL). Returns the
 * normalized '/'-separated relative path.
 */
export function checkExternalLocation(location: string, tensor: string): string {
  const bad = (why: string): never => {
    throw new WorkbenchError('BAD_EXTERNAL_DATA', `tensor "${tensor}": external data location "${location}" ${why}`);
  };
  if (location === '') bad('is empty');
  if (location.includes('\0')) bad('contains a NUL byte');
  const unified = location.replace(/\\/g, '/');
  if (unified.startsWith('/') || /^[A-Za-z]:/.test(unified)) bad('is absolute; it must be relative to the model');
  const parts: string[] = [];
  for (const seg of unified.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) bad("escapes the model's folder");
      parts.pop();
    } else parts.push(seg);
  }
  if (parts.length === 0) bad('names no file');
  return parts.join('/');
}

/** The last location checked and its normal form: a model's tensors mostly share one file. */
let lastLocation: string | undefined;
let lastNormal = '';

/** The external-data reference of a tensor, or undefined when its data is in the model. */
export function externalDataOf(t: TensorProto): ExternalDataRef | undefined {
  if (t.dataLocation !== DATA_LOCATION_EXTERNAL) return undefined;
  const name = t.name ?? '';
  // A key given twice counts with its last value.
  let location: string | undefined;
  let offset: string | undefined;
  let length: string | undefined;
  let checksum: string | undefined;
  for (const e of t.externalData ?? []) {
    const value = e.value ?? '';
    switch (e.key ?? '') {
      case 'location':
        location = value;
        break;
      case 'offset':
        offset = value;
        break;
      case 'length':
        length = value;
        break;
      case 'checksum':
        checksum = value;
        break;
    }
  }
  if (location === undefined) {
    throw new WorkbenchError('BAD_EXTERNAL_DATA', `tensor "${name}": data_location is EXTERNAL but no location is given`);
  }
  const normal = location === lastLocation ? lastNormal : checkExternalLocation(location, name);
  lastLocation = location;
  lastNormal = normal;
  return {
    location: normal,
    offset: parseCount(offset, 'offset', name) ?? 0,
    length: parseCount(length, 'length', name),
    checksum,
  };
}

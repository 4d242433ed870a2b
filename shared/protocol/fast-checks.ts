import './zod-config.js';
import { z } from 'zod';
import type { GraphNodeInfo, GraphValueInfo } from './backend.js';

// Hand-written checks for the arrays that get long (a graph's nodes and values: 100,000 of each
// in big models). Zod checks each element at several microseconds, and without its code
// generation (which the page's Content-Security-Policy forbids) slower still; these loops are
// an order of magnitude faster and report a problem the way zod does (path, then message).
// test/protocol keeps them honest against the interfaces, field by field.

type Problem = { path: (string | number)[]; message: string };

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringArray(v: unknown, key: string): Problem | undefined {
  if (!Array.isArray(v)) return { path: [key], message: 'expected an array of strings' };
  for (let i = 0; i < v.length; i++) if (!isString(v[i])) return { path: [key, i], message: 'expected a string' };
  return undefined;
}

function nodeProblem(n: unknown): Problem | undefined {
  if (!isObject(n)) return { path: [], message: 'expected a node object' };
  if (!isCount(n.id)) return { path: ['id'], message: 'expected a non-negative integer' };
  for (const key of ['name', 'opType', 'domain'] as const) if (!isString(n[key])) return { path: [key], message: 'expected a string' };
  const ports = stringArray(n.inputs, 'inputs') ?? stringArray(n.outputs, 'outputs');
  if (ports) return ports;
  if (!isObject(n.attributes)) return { path: ['attributes'], message: 'expected a record of strings' };
  for (const k in n.attributes) if (!isString(n.attributes[k])) return { path: ['attributes', k], message: 'expected a string' };
  if (!Array.isArray(n.subgraphs)) return { path: ['subgraphs'], message: 'expected an array' };
  for (let i = 0; i < n.subgraphs.length; i++) {
    const s: unknown = n.subgraphs[i];
    if (!isObject(s)) return { path: ['subgraphs', i], message: 'expected an object' };
    if (!isString(s.attribute) || !isString(s.name)) return { path: ['subgraphs', i], message: 'expected attribute and name strings' };
    if (!isCount(s.nodeCount) || (s.index !== undefined && !isCount(s.index))) return { path: ['subgraphs', i], message: 'expected counts' };
  }
  if (n.constantValue !== undefined && !isString(n.constantValue)) return { path: ['constantValue'], message: 'expected a string' };
  if (n.implicitInputs !== undefined) return stringArray(n.implicitInputs, 'implicitInputs');
  return undefined;
}

function valueProblem(v: unknown): Problem | undefined {
  if (!isObject(v)) return { path: [], message: 'expected a value object' };
  if (!isString(v.name)) return { path: ['name'], message: 'expected a string' };
  if (!isString(v.elemType)) return { path: ['elemType'], message: 'expected a string' };
  if (v.source !== 'declared' && v.source !== 'inferred' && v.source !== 'unknown') {
    return { path: ['source'], message: 'expected "declared", "inferred" or "unknown"' };
  }
  if (v.shape === null) return undefined;
  if (!Array.isArray(v.shape)) return { path: ['shape'], message: 'expected an array or null' };
  for (let i = 0; i < v.shape.length; i++) {
    const d: unknown = v.shape[i];
    if (d !== null && typeof d !== 'number' && typeof d !== 'string') return { path: ['shape', i], message: 'expected a number, a string or null' };
  }
  return undefined;
}

function checkedArray<T>(item: (v: unknown) => Problem | undefined): z.ZodType<T[]> {
  return z.array(z.unknown()).superRefine((items, ctx) => {
    for (let i = 0; i < items.length; i++) {
      const problem = item(items[i]);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: [i, ...problem.path], message: problem.message });
        return;
      }
    }
  }) as unknown as z.ZodType<T[]>;
}

/** A graph's nodes, checked fast. */
export const graphNodesSchema = checkedArray<GraphNodeInfo>(nodeProblem);

/** A graph's values, checked fast. */
export const graphValuesSchema = checkedArray<GraphValueInfo>(valueProblem);

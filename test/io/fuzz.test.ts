import { spawnSync, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import { IrModel } from '../../shared/ir/model.js';
import { externalDataOf } from '../../shared/onnx/external-data.js';
import { listModelTensors } from '../../shared/onnx/map-tensors.js';
import { decodeModel, encodeModel } from '../../shared/onnx/model-codec.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import { Model } from '../../shared/onnx/onnx-schema.js';
import { wireTypeOf, type MessageDef } from '../../shared/proto/schema.js';
import { WireReader, WireType } from '../../shared/proto/wire-reader.js';

// Seeded mutation fuzzing of the model reader: whatever the bytes, decoding and building the IR
// either succeed or end in a WorkbenchError, and whatever loaded encodes back. Set FUZZ_SEED to
// replay another run; a failure names the seed, the model and the case index.

const ROOT = resolve(import.meta.dirname, '../..');
const CONFORMANCE = resolve(ROOT, '../shared/onnx-conformance');
const SEED = Number(process.env.FUZZ_SEED ?? 0x0badf00d) >>> 0;

/** mulberry32: tiny, fast, and good enough to spread mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a field's tag and (for length-delimited fields) its length varint sit. */
interface FieldSite {
  tag: number;
  len?: { at: number; size: number; value: number };
}

/** Every field of a valid model, found by walking it with the ONNX schema (known messages are entered). */
function fieldSites(bytes: Uint8Array): FieldSite[] {
  const sites: FieldSite[] = [];
  const walk = (def: MessageDef, start: number, end: number): void => {
    const r = new WireReader(bytes, start, end);
    while (r.pos < end) {
      const tag = r.pos;
      const key = r.uint();
      const wt = key & 7;
      const f = def.byNumber.get(Math.floor(key / 8));
      if (wt !== WireType.LEN) {
        r.skip(wt, Math.floor(key / 8));
        sites.push({ tag });
        continue;
      }
      const at = r.pos;
      const { start: s, end: e } = r.lengthDelimited();
      sites.push({ tag, len: { at, size: s - at, value: e - s } });
      if (f?.kind === 'message' && wireTypeOf(f) === WireType.LEN) walk(f.message!(), s, e);
    }
  };
  walk(Model, 0, bytes.length);
  return sites;
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x3a, 0x0b, 0x0c];

type Mutator = (b: Uint8Array, sites: FieldSite[], rnd: () => number) => Uint8Array;

const MUTATORS: Record<string, Mutator> = {
  bitFlip(b, sites, rnd) {
    const out = b.slice();
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) {
      const p = position(b, sites, rnd);
      out[p] = out[p]! ^ (1 << Math.floor(rnd() * 8));
    }
    return out;
  },
  overwrite(b, sites, rnd) {
    const out = b.slice();
    const n = 1 + Math.floor(rnd() * 4);
    for (let i = 0; i < n; i++) {
      const p = position(b, sites, rnd);
      out[p] = rnd() < 0.5 ? INTERESTING[Math.floor(rnd() * INTERESTING.length)]! : Math.floor(rnd() * 256);
    }
    return out;
  },
  truncate(b, sites, rnd) {
    return b.subarray(0, position(b, sites, rnd));
  },
  insert(b, sites, rnd) {
    const n = 1 + Math.floor(rnd() * 16);
    return splice(b, position(b, sites, rnd), 0, Array.from({ length: n }, () => Math.floor(rnd() * 256)));
  },
  remove(b, sites, rnd) {
    const p = position(b, sites, rnd);
    return splice(b, p, Math.min(b.length - p, 1 + Math.floor(rnd() * 16)), []);
  },
  lengthPrefix(b, sites, rnd) {
    const withLen = sites.filter((s) => s.len);
    const { at, size, value } = withLen[Math.floor(rnd() * withLen.length)]!.len!;
    const choices = [0, value - 1, value + 1, value - Math.floor(rnd() * 64), value + Math.floor(rnd() * 64), 2 ** 31, 2 ** 32 + value, 2 ** 40, Number.MAX_SAFE_INTEGER];
    const v = Math.max(0, choices[Math.floor(rnd() * choices.length)]!);
    return splice(b, at, size, varint(v));
  },
};

// Half the time near a field's tag, so that a 2 MB model of weights still gets its structure hit.
function position(b: Uint8Array, sites: FieldSite[], rnd: () => number): number {
  if (b.length === 0) return 0;
  if (rnd() < 0.5 || sites.length === 0) return Math.floor(rnd() * b.length);
  const base = sites[Math.floor(rnd() * sites.length)]!.tag + Math.floor(rnd() * 8);
  return Math.min(b.length - 1, base);
}

/** Loads mutated bytes the way `inspect` does, without the file system. Throws whatever escapes. */
function load(bytes: Uint8Array): 'ok' | 'rejected' {
  try {
    const proto = decodeModel(bytes, 'fuzz.onnx');
    const ir = new IrModel(proto);
    for (const { tensor } of listModelTensors(proto)) externalDataOf(tensor);
    summarizeModel(ir);
    encodeModel(proto);
    encodeModel(ir.toProto());
    return 'ok';
  } catch (e) {
    if (e instanceof WorkbenchError) {
      if (/[\r\n]/.test(e.message)) throw new Error(`multi-line WorkbenchError: ${JSON.stringify(e.message)}`);
      return 'rejected';
    }
    throw e;
  }
}

interface Source {
  name: string;
  path: string;
  cases: number;
}

const SOURCES: Source[] = [
  { name: 'node/test_if', path: join(CONFORMANCE, 'node/test_if/model.onnx'), cases: 1200 },
  { name: 'node/test_loop11', path: join(CONFORMANCE, 'node/test_loop11/model.onnx'), cases: 1200 },
  { name: 'node/test_scan9_sum', path: join(CONFORMANCE, 'node/test_scan9_sum/model.onnx'), cases: 600 },
  { name: 'light/light_squeezenet', path: join(CONFORMANCE, 'light/light_squeezenet.onnx'), cases: 1200 },
  { name: 'silero_vad_legacy', path: join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_legacy.onnx'), cases: 1000 },
];

const MUTATOR_NAMES = Object.keys(MUTATORS);

/** The mutated bytes of case `index` of a source: a pure function of (seed, source, index). */
function mutant(source: Source, bytes: Uint8Array, sites: FieldSite[], index: number): { how: string; bytes: Uint8Array } {
  let h = SEED ^ Math.imul(index + 1, 0x9e3779b1);
  for (let i = 0; i < source.name.length; i++) h = Math.imul(h ^ source.name.charCodeAt(i), 0x01000193);
  const rnd = prng(h);
  const how = MUTATOR_NAMES[index % MUTATOR_NAMES.length]!;
  let out = MUTATORS[how]!(bytes, sites, rnd);
  // Every fourth case stacks a second mutation.
  if (index % 4 === 3) out = MUTATORS[MUTATOR_NAMES[Math.floor(rnd() * MUTATOR_NAMES.length)]!]!(out, sites, rnd);
  return { how, bytes: out };
}

describe('fuzzing the model reader', () => {
  const loaded = SOURCES.map((s) => {
    const bytes = new Uint8Array(readFileSync(s.path));
    return { source: s, bytes, sites: fieldSites(bytes) };
  });

  for (const { source, bytes, sites } of loaded) {
    it(`${source.name}: ${source.cases} mutations load or fail with a WorkbenchError`, () => {
      expect(load(bytes)).toBe('ok');
      expect(sites.some((s) => s.len)).toBe(true);
      const outcomes: Record<string, number> = { ok: 0, rejected: 0 };
      for (let i = 0; i < source.cases; i++) {
        const { how, bytes: mutated } = mutant(source, bytes, sites, i);
        try {
          outcomes[load(mutated)]!++;
        } catch (e) {
          const err = e as Error;
          throw new Error(
            `FUZZ_SEED=${SEED} model ${source.name} case ${i} (${how}, ${mutated.length} bytes): ${err?.name}: ${err?.message}\n${err?.stack ?? ''}`,
          );
        }
      }
      // Both outcomes happen: the mutations are neither all harmless nor all fatal.
      expect(outcomes.ok).toBeGreaterThan(0);
      expect(outcomes.rejected).toBeGreaterThan(0);
    });
  }
});

describe('fuzzed models through the CLI', () => {
  let dir: string;
  const cli = join(ROOT, 'bin/onnx-workbench.js');

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/electron/cli/main.js'))) execSync('npm run build', { cwd: ROOT, stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'onnx-workbench-fuzz-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('inspect exits 0 or 2 with at most one line on stderr', () => {
    const small = SOURCES.slice(0, 4).map((s) => {
      const bytes = new Uint8Array(readFileSync(s.path));
      return { source: s, bytes, sites: fieldSites(bytes) };
    });
    const codes = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const { source, bytes, sites } = small[i % small.length]!;
      const index = 100_000 + i;
      const { how, bytes: mutated } = mutant(source, bytes, sites, index);
      const file = join(dir, `case-${i}.onnx`);
      writeFileSync(file, mutated);
      const r = spawnSync(process.execPath, [cli, 'inspect', file], { encoding: 'utf8', timeout: 30_000 });
      const where = `FUZZ_SEED=${SEED} model ${source.name} case ${index} (${how}): exit ${r.status}, stderr ${JSON.stringify(r.stderr)}`;
      expect([0, 2], where).toContain(r.status);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines.length, where).toBe(r.status === 0 ? 0 : 1);
      expect(r.stderr, where).not.toMatch(/^\s+at /m);
      codes.add(r.status!);
    }
    expect(codes.has(2)).toBe(true);
  });
});

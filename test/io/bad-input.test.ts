import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ElemType, attrGraph, graph, model, modelBytes, node, tensor, tensorType, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { ModelProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { openModel } from '../../electron/io/open-model.js';

// Every way a model file can be bad ends the same way: a WorkbenchError whose one-line message
// names the file and the problem, in process, and exit code 2 with that one line from the CLI.

// Paths the reader opens, to show that a location resolving outside the model's folder is
// refused before anything there is read.
const opened = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = (path, ...rest) => {
    opened.push(String(path));
    return real.open(path, ...rest);
  };
  const readFile = ((path: Parameters<typeof real.readFile>[0], ...rest: unknown[]) => {
    opened.push(String(path));
    return (real.readFile as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.readFile;
  return { ...real, default: { ...real, open, readFile }, open, readFile };
});

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/onnx-workbench.js');
const CONFORMANCE = resolve(ROOT, '../shared/onnx-conformance');

/** x (float[4]) → Add(x, w) → y, with `w` as given. */
function addModel(w: TensorProto): ModelProto {
  return model(
    graph({
      nodes: [node('Add', ['x', 'w'], ['y'], undefined, { name: 'add' })],
      inputs: [valueInfo('x', tensorType(ElemType.FLOAT, [4]))],
      outputs: [valueInfo('y', tensorType(ElemType.FLOAT, [4]))],
      initializers: [w],
    }),
  );
}

/** `w` (float[4]) stored in an external file, with the given extra key/value entries. */
function externalModel(entries: Record<string, string>): ModelProto {
  return addModel({
    name: 'w',
    dataType: ElemType.FLOAT,
    dims: [4],
    dataLocation: 1,
    externalData: Object.entries(entries).map(([key, value]) => ({ key, value })),
  });
}

function chain(nodes: ReturnType<typeof node>[]): ModelProto {
  return model(
    graph({
      nodes,
      inputs: [valueInfo('x', tensorType(ElemType.FLOAT, [4]))],
      outputs: [valueInfo('y', tensorType(ElemType.FLOAT, [4]))],
    }),
  );
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

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/**
 * A message nested `levels` deep, built inside out without recursion: `wrap` gives the bytes of
 * one level that come before its child (the child's length is known by then), and the file is
 * those prefixes outermost first, then the innermost bytes.
 */
function nested(levels: number, innermost: number[], wrap: (childLength: number) => number[][]): Uint8Array {
  const prefixes: number[][] = [];
  let length = innermost.length;
  for (let i = 0; i < levels; i++) {
    // Each step may wrap several messages (innermost first); each takes its child's length.
    for (const make of wrap(length)) {
      prefixes.push(make);
      length += make.length;
    }
  }
  const out = new Uint8Array(length);
  let pos = 0;
  for (let i = prefixes.length - 1; i >= 0; i--) {
    out.set(prefixes[i]!, pos);
    pos += prefixes[i]!.length;
  }
  out.set(innermost, pos);
  return out;
}

/** A LEN field header (tag + length) for a field holding `length` bytes, plus fields written before it. */
function lenField(no: number, length: number, before: number[] = []): number[] {
  return [...before, ...varint(no * 8 + 2), ...varint(length)];
}

/** Model → graph → If node → then_branch graph → If node → ... `levels` times. */
function nestedIfs(levels: number): Uint8Array {
  const leaf = [0x12, 0x04, ...ascii('leaf')]; // GraphProto.name
  let bytes = nested(levels, leaf, (graphLength) => {
    // AttributeProto: name, type = GRAPH, then g.
    const attr = lenField(6, graphLength, [0x0a, 0x0b, ...ascii('then_branch'), 0xa0, 0x01, 0x05]);
    const attrLength = attr.length + graphLength;
    // NodeProto: op_type "If", then attribute.
    const nodeHead = lenField(5, attrLength, [0x22, 0x02, ...ascii('If')]);
    const nodeLength = nodeHead.length + attrLength;
    const graphHead = lenField(1, nodeLength); // GraphProto.node
    return [attr, nodeHead, graphHead];
  });
  bytes = new Uint8Array([0x08, 0x08, ...lenField(7, bytes.length), ...bytes]); // ir_version, graph
  return bytes;
}

/** A graph input whose type is sequence(sequence(...(tensor)...)), `levels` deep. */
function nestedSequenceTypes(levels: number): Uint8Array {
  const tensorType = [0x0a, 0x02, 0x08, 0x01]; // TypeProto.tensor_type { elem_type: FLOAT }
  const type = nested(levels, tensorType, (typeLength) => {
    const seq = lenField(1, typeLength); // TypeProto.Sequence.elem_type
    const outer = lenField(4, seq.length + typeLength); // TypeProto.sequence_type
    return [seq, outer];
  });
  const vi = [0x0a, 0x01, ...ascii('x'), ...lenField(2, type.length)];
  const graphBody = [...lenField(11, vi.length + type.length)];
  const graphLength = graphBody.length + vi.length + type.length;
  const head = [0x08, 0x08, ...lenField(7, graphLength), ...graphBody, ...vi];
  const out = new Uint8Array(head.length + type.length);
  out.set(head, 0);
  out.set(type, head.length);
  return out;
}

/** Deterministic bytes (mulberry32) so that the "random bytes" case is the same every run. */
function randomBytes(n: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

interface BadCase {
  name: string;
  /** Writes what the case needs under its own folder; returns the path to open. */
  setup(dir: string, outside: string): string;
  /** What the message must say. */
  says: RegExp;
}

const FLOATS = new Uint8Array(16);

function write(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const CASES: BadCase[] = [
  {
    name: 'a truncated file',
    setup: (dir) => {
      const bytes = modelBytes(addModel(tensor('w', ElemType.FLOAT, [4], [1, 2, 3, 4])));
      return write(dir, 'truncated.onnx', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    },
    says: /not a valid ModelProto: .*(end of data|runs past the end)/,
  },
  {
    name: 'random bytes',
    setup: (dir) => write(dir, 'random.onnx', randomBytes(4096, 42)),
    says: /not a valid ModelProto|is this an ONNX model/,
  },
  { name: 'an empty file', setup: (dir) => write(dir, 'empty.onnx', new Uint8Array(0)), says: /empty/ },
  {
    name: 'a wrong wire type for a known field',
    // ir_version 8, then graph (field 7) written as a fixed32 instead of a message.
    setup: (dir) => write(dir, 'wire-type.onnx', new Uint8Array([0x08, 0x08, 0x3d, 0, 0, 0, 0])),
    says: /field 7 \(ModelProto\.graph\) has wire type 5, expected 2/,
  },
  {
    name: 'an absurd length prefix (2^40)',
    setup: (dir) => write(dir, 'huge-length.onnx', new Uint8Array([0x08, 0x08, 0x3a, ...varint(2 ** 40), 0x0a, 0x00])),
    says: /length 1099511627776 runs past the end/,
  },
  {
    name: 'a varint longer than 10 bytes',
    setup: (dir) => write(dir, 'long-varint.onnx', new Uint8Array([0x08, ...new Array(11).fill(0xff), 0x01])),
    says: /varint longer than 10 bytes/,
  },
  {
    name: '10,000 nested If subgraphs',
    setup: (dir) => write(dir, 'nested-if.onnx', nestedIfs(10_000)),
    says: /nested deeper than \d+ levels/,
  },
  {
    name: '10,000 nested sequence types',
    setup: (dir) => write(dir, 'nested-seq.onnx', nestedSequenceTypes(10_000)),
    says: /nested deeper than \d+ levels/,
  },
  {
    name: '100,000 nested unknown groups',
    setup: (dir) => write(dir, 'nested-groups.onnx', new Uint8Array(100_000).fill(0x7b)), // field 15, start group
    says: /groups nested deeper than \d+ levels/,
  },
  {
    name: 'a graph with a cycle',
    setup: (dir) =>
      write(
        dir,
        'cycle.onnx',
        modelBytes(chain([node('Add', ['x', 'b'], ['a'], undefined, { name: 'first' }), node('Relu', ['a'], ['b'], undefined, { name: 'second' }), node('Relu', ['b'], ['y'])])),
      ),
    says: /cycle/,
  },
  {
    name: 'a dangling value reference',
    setup: (dir) => write(dir, 'dangling.onnx', modelBytes(chain([node('Add', ['x', 'ghost'], ['y'], undefined, { name: 'add' })]))),
    says: /node "add" \(Add\) reads "ghost", which no node, graph input or initializer provides/,
  },
  {
    name: 'a duplicate producer',
    setup: (dir) =>
      write(
        dir,
        'duplicate.onnx',
        modelBytes(chain([node('Relu', ['x'], ['y'], undefined, { name: 'one' }), node('Neg', ['x'], ['y'], undefined, { name: 'two' })])),
      ),
    says: /value "y" is produced twice/,
  },
  {
    name: 'a dangling reference inside an If branch',
    setup: (dir) => {
      const branch = graph({ name: 'then', nodes: [node('Relu', ['nowhere'], ['t'])], outputs: ['t'] });
      const m = model(
        graph({
          nodes: [node('If', ['c'], ['y'], { then_branch: attrGraph(branch), else_branch: attrGraph(branch) }, { name: 'if' })],
          inputs: [valueInfo('c', tensorType(ElemType.BOOL, []))],
          outputs: ['y'],
        }),
      );
      return write(dir, 'dangling-branch.onnx', modelBytes(m));
    },
    says: /graph "then": .*reads "nowhere"/,
  },
  {
    name: 'a missing external-data file',
    setup: (dir) => write(dir, 'missing-data.onnx', modelBytes(externalModel({ location: 'weights.bin' }))),
    says: /external data file "weights\.bin" of tensor "w" does not exist/,
  },
  {
    name: 'an absolute external-data location',
    setup: (dir, outside) => write(dir, 'absolute.onnx', modelBytes(externalModel({ location: join(outside, 'secret.bin') }))),
    says: /is absolute/,
  },
  {
    name: 'an external-data location that escapes with ../',
    setup: (dir) => write(dir, 'escape.onnx', modelBytes(externalModel({ location: '../outside/secret.bin' }))),
    says: /escapes the model's folder/,
  },
  {
    name: 'an external-data symlink pointing outside the folder',
    setup: (dir, outside) => {
      symlinkSync(join(outside, 'secret.bin'), join(dir, 'link.bin'));
      return write(dir, 'symlink.onnx', modelBytes(externalModel({ location: 'link.bin' })));
    },
    says: /"link\.bin" of tensor "w" resolves outside the model's folder/,
  },
  {
    name: 'an external-data symlink loop',
    setup: (dir) => {
      symlinkSync('loop.bin', join(dir, 'loop.bin'));
      return write(dir, 'loop.onnx', modelBytes(externalModel({ location: 'loop.bin' })));
    },
    says: /"loop\.bin" of tensor "w".*too many levels of symbolic links/,
  },
  {
    name: 'an external-data location too long for the file system',
    setup: (dir) => write(dir, 'long-name.onnx', modelBytes(externalModel({ location: 'a'.repeat(5000) }))),
    says: /the name is too long/,
  },
  {
    name: 'an external-data range beyond the end of its file',
    setup: (dir) => {
      write(dir, 'weights.bin', FLOATS);
      return write(dir, 'beyond.onnx', modelBytes(externalModel({ location: 'weights.bin', offset: '8', length: '16' })));
    },
    says: /reads bytes 8\.\.24 of "weights\.bin", which has only 16/,
  },
  {
    name: 'an external-data offset past the end of its file',
    setup: (dir) => {
      write(dir, 'weights.bin', FLOATS);
      return write(dir, 'offset.onnx', modelBytes(externalModel({ location: 'weights.bin', offset: '1000' })));
    },
    says: /which has only 16/,
  },
  {
    name: 'a non-numeric external-data offset',
    setup: (dir) => {
      write(dir, 'weights.bin', FLOATS);
      return write(dir, 'nan-offset.onnx', modelBytes(externalModel({ location: 'weights.bin', offset: '0x10' })));
    },
    says: /external data offset "0x10" is not a byte count/,
  },
  {
    name: 'an external-data location that is a folder',
    setup: (dir) => {
      mkdirSync(join(dir, 'weights.bin'));
      return write(dir, 'folder-data.onnx', modelBytes(externalModel({ location: 'weights.bin' })));
    },
    says: /"weights\.bin" is not a regular file/,
  },
  {
    name: 'a directory instead of a model file',
    setup: (dir) => {
      mkdirSync(join(dir, 'folder.onnx'));
      return join(dir, 'folder.onnx');
    },
    says: /is a directory/,
  },
  { name: 'a path that does not exist', setup: (dir) => join(dir, 'nothing-here.onnx'), says: /no such file/ },
];

let work: string;
let outside: string;
const paths = new Map<string, string>();

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/electron/cli/main.js'))) execSync('npm run build', { cwd: ROOT, stdio: 'pipe' });
  work = realpathSync(mkdtempSync(join(tmpdir(), 'onnx-workbench-bad-input-')));
  // What a hostile location would like to reach: a file beside, not inside, the models' folders.
  outside = join(work, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.bin'), FLOATS);
  CASES.forEach((c, i) => {
    const dir = join(work, `case-${i}`);
    mkdirSync(dir);
    paths.set(c.name, c.setup(dir, outside));
  });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.split('\n').filter((l) => l !== '') };
}

describe('openModel on bad input', () => {
  for (const c of CASES) {
    it(`rejects ${c.name} with a one-line WorkbenchError naming the file`, async () => {
      const path = paths.get(c.name)!;
      const error = await openModel(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkbenchError);
      const message = (error as WorkbenchError).message;
      expect(message).toMatch(c.says);
      expect(message).toContain(basename(path));
      expect(message).not.toMatch(/[\r\n]/);
    });
  }

  it('reads nothing outside the model folder when a location leads out of it', async () => {
    for (const name of [
      'an external-data symlink pointing outside the folder',
      'an absolute external-data location',
      'an external-data location that escapes with ../',
    ]) {
      const path = paths.get(name)!;
      opened.length = 0;
      await expect(openModel(path)).rejects.toBeInstanceOf(WorkbenchError);
      // The model itself was read (through the mocked fs), and nothing beside it.
      expect(opened.map((p) => realpathSync(p))).toEqual([realpathSync(path)]);
      for (const p of opened) expect(relative(dirname(realpathSync(path)), realpathSync(p)).startsWith('..' + sep)).toBe(false);
    }
  });

  it('opens the same external-data model when its data is where it should be', async () => {
    const dir = join(work, 'good');
    mkdirSync(dir);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
    const path = write(dir, 'good.onnx', modelBytes(externalModel({ location: 'weights.bin', offset: '0', length: '16' })));
    const m = await openModel(path);
    expect(m.external.list.map((f) => f.location)).toEqual(['weights.bin']);
    const w = m.ir.graph.initializers.get('w')!;
    // A copy: the bytes may be a view into a pooled Buffer.
    const bytes = new Uint8Array((await m.tensorBytes(w))!);
    expect([...new Float32Array(bytes.buffer)]).toEqual([1, 2, 3, 4]);
    expect(cli('inspect', path).code).toBe(0);
  });
});

describe('the CLI on bad input', () => {
  for (const c of CASES) {
    it(`inspect exits 2 on ${c.name}, with one line and no stack trace`, () => {
      const path = paths.get(c.name)!;
      const r = cli('inspect', path);
      expect(r.code, r.stderr).toBe(2);
      expect(r.lines, r.stderr).toHaveLength(1);
      expect(r.lines[0]).toMatch(/^onnx-workbench: /);
      expect(r.lines[0]).not.toMatch(/internal error/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.lines[0]).toMatch(c.says);
      expect(r.lines[0]).toContain(basename(path));
      expect(r.stdout).toBe('');
    });
  }

  it('inspect --json exits 2 the same way', () => {
    const r = cli('inspect', paths.get('a graph with a cycle')!, '--json');
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/cycle/);
  });

  it('inspect still opens a conformance model with If subgraphs', () => {
    const r = cli('inspect', join(CONFORMANCE, 'node/test_if/model.onnx'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('keeps one line when a name in the file holds a line break', () => {
    const dir = join(work, 'newline');
    mkdirSync(dir);
    const path = write(dir, 'newline.onnx', modelBytes(chain([node('Add', ['x', 'bad\nname'], ['y'], undefined, { name: 'add' })])));
    const r = cli('inspect', path);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([expect.stringContaining('reads "bad\\nname"')]);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { MAX_REMEMBERED, VerifySettingsStore } from '../../electron/service/verify-settings-store.js';
import { verifyFields, formOf, settingsOf } from '../../renderer/panels/verify-form.js';
import { ElemType, graph, model, modelBytes, node, valueInfo } from '../../shared/builder/index.js';
import { SILERO_V5 } from '../e2e/harness.js';

// Verification settings are remembered per model by the service (so the app brings them back when
// the model is opened again, in a later start too), checked against the model's inputs first.

/** x [batch, n] float, sr int64 scalar, flag bool [1]: a dim by name, one without, and two inputs a number stands for. */
function inputsModel(): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [node('Identity', ['x'], ['y']), node('Cast', ['sr'], ['srf'], [{ name: 'to', i: ElemType.FLOAT }]), node('Not', ['flag'], ['nf'])],
        inputs: [valueInfo('x', ElemType.FLOAT, ['batch', null]), valueInfo('sr', ElemType.INT64, []), valueInfo('flag', ElemType.BOOL, [1])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['batch', null]), valueInfo('srf', ElemType.FLOAT, []), valueInfo('nf', ElemType.BOOL, [1])],
      }),
    ),
  );
}

describe('verification settings per model', () => {
  let dir: string;
  let modelPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-settings-'));
    modelPath = join(dir, 'inputs.onnx');
    await writeFile(modelPath, inputsModel());
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts from the defaults and brings remembered settings back in a later start', async () => {
    const settingsDir = join(dir, 'config');
    const first = new WorkbenchService({ settingsDir });
    const a = await first.openModel({ path: modelPath });
    expect(await first.getVerifySettings(a.modelId)).toEqual({ settings: { dims: {}, values: {} }, remembered: false });
    const settings = { dims: { batch: 2, 'x[1]': 512 }, values: { sr: 16000, flag: 1 } };
    expect(await first.setVerifySettings(a.modelId, settings)).toEqual({ settings, remembered: true });
    await first.dispose();

    const second = new WorkbenchService({ settingsDir });
    const b = await second.openModel({ path: modelPath });
    expect(await second.getVerifySettings(b.modelId)).toEqual({ settings, remembered: true });
    // Another model has its own (none yet).
    const other = await second.openModel({ path: SILERO_V5 });
    expect((await second.getVerifySettings(other.modelId)).remembered).toBe(false);
    // Uploads are remembered by name and size.
    const up = await second.openModel({ name: 'inputs.onnx', bytes: inputsModel() });
    await second.setVerifySettings(up.modelId, { dims: { batch: 4 }, values: {} });
    const again = await second.openModel({ name: 'inputs.onnx', bytes: inputsModel() });
    expect((await second.getVerifySettings(again.modelId)).settings.dims).toEqual({ batch: 4 });
    await second.dispose();
    const file = JSON.parse(await readFile(join(settingsDir, 'verify-settings.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(file)).toEqual([`path:${modelPath}`, `upload:inputs.onnx:${inputsModel().length}`]);
  });

  it('refuses settings that do not fit the model, naming the dim, input or path, and keeps the old ones', async () => {
    const service = new WorkbenchService({ settingsDir: join(dir, 'refuse') });
    const { modelId } = await service.openModel({ path: modelPath });
    const base = { dims: {}, values: {} };
    await service.setVerifySettings(modelId, { ...base, dims: { batch: 3 } });
    const cases: [object, RegExp][] = [
      [{ dims: { seq: 5 } }, /dim 'seq' is not a symbolic dim of any input \(symbolic dims: batch\)/],
      [{ values: { nope: 1 } }, /nope=1: the model has no input 'nope' \(its inputs: x, sr, flag\)/],
      [{ values: { sr: 1.5 } }, /sr=1\.5: input 'sr' is int64, which takes whole numbers/],
      [{ values: { flag: 2 } }, /flag=2: input 'flag' is bool, which takes 0 or 1/],
      [{ inputsPath: join(dir, 'missing') }, /inputs: .*missing does not exist/],
    ];
    for (const [change, message] of cases) {
      await expect(service.setVerifySettings(modelId, { ...base, ...change })).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringMatching(message) });
    }
    expect((await service.getVerifySettings(modelId)).settings.dims).toEqual({ batch: 3 });
    // An existing folder is kept as an absolute path.
    expect((await service.setVerifySettings(modelId, { ...base, inputsPath: dir })).settings.inputsPath).toBe(dir);
    await service.dispose();
  });

  it('starts over from a damaged file, keeping entries that still parse, and forgets the oldest beyond its limit', async () => {
    const file = join(dir, 'damaged.json');
    await writeFile(file, JSON.stringify({ 'path:/a': { dims: { n: 'x' }, values: {} }, 'path:/b': { dims: { n: 2 }, values: {} } }));
    const store = new VerifySettingsStore(file);
    expect(await store.get('path:/a')).toBeUndefined();
    expect(await store.get('path:/b')).toEqual({ dims: { n: 2 }, values: {} });
    await writeFile(join(dir, 'garbage.json'), '{not json');
    expect(await new VerifySettingsStore(join(dir, 'garbage.json')).get('path:/b')).toBeUndefined();

    const bounded = new VerifySettingsStore(join(dir, 'bounded.json'));
    await Promise.all(Array.from({ length: MAX_REMEMBERED + 5 }, (_, i) => bounded.set(`path:/m${i}`, { dims: { n: i }, values: {} })));
    const kept = Object.keys(JSON.parse(await readFile(join(dir, 'bounded.json'), 'utf8')) as object);
    expect(kept).toHaveLength(MAX_REMEMBERED);
    expect(kept[0]).toBe('path:/m5');
    expect(await bounded.get('path:/m0')).toBeUndefined();
  });
});

describe('verification settings form', () => {
  it('asks for each free dim once and for inputs a single number stands for', async () => {
    const service = new WorkbenchService();
    const info = await service.openModel({ path: SILERO_V5 });
    expect(verifyFields(info.summary)).toEqual({ dims: ['input[0]', 'input[1]', 'state[1]'], values: [{ name: 'sr', elemType: 'int64' }] });
    await service.dispose();
  });

  it('turns typed text into settings and names the field that is not a number', () => {
    const form = formOf({ dims: { batch: 2 }, values: {} });
    expect(settingsOf({ ...form, dims: { batch: '4', seq: '' }, values: { sr: '16000' } })).toEqual({ settings: { dims: { batch: 4 }, values: { sr: 16000 } } });
    expect(settingsOf({ ...form, dims: { batch: '2.5' } })).toEqual({ problem: 'dim batch: "2.5" is not a size (a whole number, 0 or more)' });
    expect(settingsOf({ ...form, values: { sr: 'abc' } })).toEqual({ problem: 'value sr: "abc" is not a number' });
    expect(settingsOf({ ...form, source: 'files', inputsPath: ' ' })).toMatchObject({ problem: expect.stringMatching(/^inputs:/) });
    expect(settingsOf({ ...form, source: 'files', inputsPath: '/data/in ' })).toMatchObject({ settings: { inputsPath: '/data/in' } });
  });
});

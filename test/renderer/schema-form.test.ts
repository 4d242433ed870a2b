import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defaultOperations } from '../../shared/operations/registry.js';
import { formFields, formTexts, readForm } from '../../renderer/panels/schema-form.js';

// The options form from the JSON Schema the API sends (zod's toJSONSchema of the registry's own
// operations, as electron/service/model-editor.ts sends it), and reading typed text back into
// options that the operation's schema accepts.

const schemaOf = (name: string) => z.toJSONSchema(defaultOperations().get(name).options, { unrepresentable: 'any' });

describe('options form from an operation schema', () => {
  it('a preset: its target enum becomes an optional select, and reading it back parses', () => {
    const fields = formFields(schemaOf('preset:default'));
    expect(fields).toEqual([expect.objectContaining({ name: 'target', kind: 'select', required: false })]);
    expect(fields[0]!.choices).toEqual(expect.arrayContaining(['portable', 'onnxruntime']));
    const read = readForm(fields, { target: 'onnxruntime' });
    expect(read).toEqual({ ok: true, options: { target: 'onnxruntime' } });
    expect(defaultOperations().get('preset:default').options.parse(read.ok ? read.options : {})).toEqual({ target: 'onnxruntime' });
    // Left at "(default)": the field is left out and the operation's default applies.
    expect(readForm(fields, { target: '' })).toEqual({ ok: true, options: {} });
  });

  it('a pass without options has no fields', () => {
    expect(formFields(schemaOf('fuse-conv-batchnorm'))).toEqual([]);
  });

  it('surgery edits: required text fields, lists of names, shapes with symbolic dims', () => {
    const del = formFields(schemaOf('delete-node'));
    expect(del.map((f) => [f.name, f.kind, f.required])).toEqual([['node', 'text', true]]);
    expect(formTexts(del, { node: '7' })).toEqual({ node: '7' });
    expect(readForm(del, { node: '' })).toEqual({ ok: false, field: 'node', message: 'node is required' });

    const extract = formFields(schemaOf('extract-subgraph'));
    expect(extract.map((f) => [f.name, f.kind, f.numericItems])).toEqual([
      ['inputs', 'list', false],
      ['outputs', 'list', false],
    ]);
    const read = readForm(extract, { inputs: 'x, conv_out', outputs: 'y' });
    expect(read).toEqual({ ok: true, options: { inputs: ['x', 'conv_out'], outputs: ['y'] } });
    expect(defaultOperations().get('extract-subgraph').options.safeParse(read.ok ? read.options : null).success).toBe(true);

    const shape = formFields(schemaOf('input-shape')).find((f) => f.kind === 'list')!;
    expect(shape.numericItems).toBe(true);
    const shaped = readForm([shape], { [shape.name]: '1x3x?xW' });
    expect(shaped).toEqual({ ok: true, options: { [shape.name]: [1, 3, null, 'W'] } });
    expect(formTexts([shape], { [shape.name]: [1, 3, null, 'W'] })).toEqual({ [shape.name]: '1, 3, ?, W' });
  });

  it('numbers: integers and numbers are checked before anything is sent', () => {
    const fields = formFields({ type: 'object', properties: { n: { type: 'integer' }, r: { type: 'number' }, on: { type: 'boolean' } }, required: ['n'] });
    expect(fields.map((f) => f.kind)).toEqual(['integer', 'number', 'boolean']);
    expect(readForm(fields, { n: '2.5', r: '' })).toEqual({ ok: false, field: 'n', message: 'n: “2.5” is not an integer' });
    expect(readForm(fields, { n: '4', r: '0.25', on: 'false' })).toEqual({ ok: true, options: { n: 4, r: 0.25, on: false } });
    expect(readForm(fields, { n: '4', r: 'abc' })).toMatchObject({ ok: false, field: 'r' });
  });
});

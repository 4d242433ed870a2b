import { latestOpSchema, opSchema, opsAt, type AttributeSchema, type FormalParameter, type OpSchema } from '../../shared/opschema/op-schema.js';
import { describedOps, opDescription, opInputName } from '../operators/op-descriptions.js';

// What the text editor says about operators, from the ONNX operator schemas (shared/opschema) at
// the opsets the text imports: hover (the one-line doc, inputs and attributes), the operator
// types that exist at the opset, and an operator's attribute names with their types and defaults.
// Operators the schemas do not cover (com.microsoft, custom domains) fall back to the app's
// description table and to the attributes the text already gives them.

/** The opset versions a model's text imports: domain ('' default) → version. */
export function opsetsOfText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const list = /opset_import\s*:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
  for (const m of list.matchAll(/"([^"]*)"\s*:\s*(\d+)/g)) out.set(m[1] === 'ai.onnx' ? '' : m[1]!, Number(m[2]));
  return out;
}

/** The domain and operator of a written operator (`ai.onnx.ml.TreeEnsemble`, `Conv`). */
export function splitOp(written: string): { domain: string; op: string } {
  const i = written.lastIndexOf('.');
  return i < 0 ? { domain: '', op: written } : { domain: written.slice(0, i), op: written.slice(i + 1) };
}

/** The schema of an operator at the text's opset (else its latest version, for a description). */
export function schemaFor(written: string, opsets: ReadonlyMap<string, number>): OpSchema | undefined {
  const { domain, op } = splitOp(written);
  const opset = opsets.get(domain === 'ai.onnx' ? '' : domain);
  return (opset !== undefined ? opSchema(domain, op, opset) : undefined) ?? latestOpSchema(domain, op);
}

function paramText(p: FormalParameter): string {
  return `${p.name}${p.optional ? ' (optional)' : ''}${p.variadic ? ' (variadic)' : ''}`;
}

function defaultText(d: AttributeSchema['default']): string {
  if (d === undefined) return '';
  if (Array.isArray(d)) return ` = [${d.join(', ')}]`;
  return typeof d === 'string' ? ` = "${d}"` : ` = ${d}`;
}

/** An attribute as completion and hover describe it: `int = 1`, `ints, required`. */
export function attributeDetail(a: AttributeSchema): string {
  return `${a.type}${a.required ? ', required' : defaultText(a.default)}`;
}

/** Markdown paragraphs for hovering an operator written on a node with these inputs and outputs. */
export function opHover(written: string, opsets: ReadonlyMap<string, number>, node: { name: string; inputs: string[]; outputs: string[] }): string[] {
  const { op } = splitOp(written);
  const s = schemaFor(written, opsets);
  const formal = (list: readonly FormalParameter[] | undefined, i: number) => {
    const last = list?.[list.length - 1];
    return list?.[i] ?? (last?.variadic ? last : undefined);
  };
  const ins = node.inputs.map((v, i) => `- ${formal(s?.inputs, i)?.name ?? opInputName(op, i) ?? `input ${i}`}: \`${v || '(omitted)'}\``).join('\n');
  const outs = node.outputs.map((v, i) => `- ${formal(s?.outputs, i)?.name ?? `output ${i}`}: \`${v}\``).join('\n');
  const head = `**${op}**${s ? ` (${s.domain || 'ai.onnx'}, opset ${s.sinceVersion})` : ''}${node.name ? ` — node \`${node.name}\`` : ''}`;
  const out = [head, s?.doc || opDescription(op, splitOp(written).domain), `Inputs:\n${ins || '- none'}\n\nOutputs:\n${outs || '- none'}`];
  if (s) {
    out.push(`Schema: (${s.inputs.map(paramText).join(', ')}) → (${s.outputs.map(paramText).join(', ')})`);
    if (s.attributes.length) out.push(`Attributes: ${s.attributes.map((a) => `\`${a.name}\`: ${attributeDetail(a)}`).join('; ')}`);
  }
  return out;
}

/** Operator types to offer at the text's opsets, with their one-line docs. */
export function opSuggestions(opsets: ReadonlyMap<string, number>): { label: string; detail: string }[] {
  const out = new Map<string, string>();
  // Text without an opset_import still gets the default domain's operators (its latest opset).
  const imports = opsets.has('') ? opsets : new Map([...opsets, ['', Number.MAX_SAFE_INTEGER]]);
  for (const [domain, version] of imports) {
    for (const op of opsAt(domain, version)) {
      const label = domain ? `${domain}.${op}` : op;
      out.set(label, opSchema(domain, op, version)?.doc ?? '');
    }
  }
  // Operators of other domains the app describes (com.microsoft fusions).
  for (const op of describedOps()) if (!out.has(op) && !latestOpSchema('', op)) out.set(op, opDescription(op));
  return [...out].map(([label, detail]) => ({ label, detail }));
}

/** An operator's attributes at the text's opset: name → detail (type and default). */
export function attributeSuggestions(written: string, opsets: ReadonlyMap<string, number>): { name: string; type: string; detail: string }[] {
  const s = schemaFor(written, opsets);
  return (s?.attributes ?? []).map((a) => ({ name: a.name, type: a.type, detail: attributeDetail(a) }));
}

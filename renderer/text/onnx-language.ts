import type * as Monaco from 'monaco-editor/editor/editor.api.js';
import { attributeSuggestions, opHover, opSuggestions, opsetsOfText } from './op-help.js';

// ONNX's textual syntax (onnx.printer's format) as a Monaco language: a Monarch grammar for
// highlighting, hover with the operator's one-line description and the node's inputs and
// outputs, completion of operator types and their attribute names (both from the ONNX operator
// schemas at the text's opsets, op-help), and folding of every bracketed block that spans lines
// (a graph body, an If branch, a node's attributes).

export const ONNX_TEXT = 'onnx-text';

const ELEM_TYPES = ['float', 'double', 'float16', 'bfloat16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string', 'complex64', 'complex128', 'float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1', 'seq', 'map', 'optional', 'sparse_tensor'];
const ATTR_TYPES = ['int', 'ints', 'floats', 'strings', 'tensor', 'tensors', 'graph', 'graphs', 'sparse_tensor', 'sparse_tensors', 'type_proto', 'type_protos'];
const HEADER = ['ir_version', 'opset_import', 'producer_name', 'producer_version', 'domain', 'model_version', 'doc_string', 'metadata_props', 'overload'];

const grammar: Monaco.languages.IMonarchLanguage = {
  defaultToken: '',
  elemTypes: ELEM_TYPES,
  attrTypes: ATTR_TYPES,
  header: HEADER,
  tokenizer: {
    root: [
      [/#.*$/, 'comment'],
      [/\[[^\]]*\]/, 'tag'],
      [/(=)(\s*)([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)(?=\s*[<(])/, ['operator', '', 'type.identifier']],
      [/ref(?=\()/, 'keyword'],
      [/[A-Za-z_][\w]*/, { cases: { '@elemTypes': 'type', '@attrTypes': 'keyword', '@header': 'keyword', '@default': 'identifier' } }],
      [/"([^"\\]|\\.)*"/, 'string'],
      [/-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?/, 'number'],
      [/[{}()[\]<>]/, '@brackets'],
      [/[=:,]/, 'delimiter'],
    ],
  },
};

/** The node written on a line: its name, outputs, operator, inputs (a one-line node). */
export function nodeOnLine(line: string): { name: string; outputs: string[]; op: string; inputs: string[] } | undefined {
  const m = /^\s*(?:\[([^\]]*)\]\s*)?([^=<>{}]*?)\s*=\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*(?:<.*>)?\s*\(([^()]*)\)?/.exec(line);
  if (!m) return undefined;
  const split = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter((x, i, all) => x !== '' || i < all.length - 1);
  return { name: m[1] ?? '', outputs: split(m[2]), op: m[3]!.split('.').pop()!, inputs: split(m[4]) };
}

function hover(model: Monaco.editor.ITextModel, position: Monaco.Position): Monaco.languages.Hover | null {
  const word = model.getWordAtPosition(position);
  const node = nodeOnLine(model.getLineContent(position.lineNumber));
  if (!word || !node || word.word !== node.op) return null;
  const written = /=\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)/.exec(model.getLineContent(position.lineNumber))?.[1] ?? node.op;
  return {
    range: { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn },
    contents: opHover(written, opsetsOfText(model.getValue()), node).map((value) => ({ value })),
  };
}

function completion(monaco: typeof Monaco, model: Monaco.editor.ITextModel, position: Monaco.Position): Monaco.languages.CompletionList {
  const before = model.getLineContent(position.lineNumber).slice(0, position.column - 1);
  const word = model.getWordUntilPosition(position);
  const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn };
  const opsets = opsetsOfText(model.getValue());
  // Inside a node's `<...>`: the operator's attribute names.
  const attrs = /=\s*([A-Za-z_][\w.]*)\s*<([^>]*)$/.exec(before);
  if (attrs) {
    const written = attrs[1]!;
    const op = written.split('.').pop()!;
    const known = new Map(Object.entries(usedAttributes(model.getValue(), op)).map(([name, type]) => [name, { name, type, detail: type }]));
    for (const a of attributeSuggestions(written, opsets)) known.set(a.name, a);
    const given = new Set([...attrs[2]!.matchAll(/([A-Za-z_]\w*)\s*:/g)].map((m) => m[1]));
    return {
      suggestions: [...known.values()]
        .filter((a) => !given.has(a.name))
        .map((a) => ({ label: a.name, kind: monaco.languages.CompletionItemKind.Property, detail: `${op} attribute: ${a.detail}`, insertText: `${a.name}: ${a.type} = `, range })),
    };
  }
  if (/=\s*[A-Za-z_]*$/.test(before) || /^\s*[A-Za-z_]*$/.test(before)) {
    return {
      suggestions: opSuggestions(opsets).map((o) => ({ label: o.label, kind: monaco.languages.CompletionItemKind.Function, detail: o.detail, insertText: o.label, range })),
    };
  }
  return { suggestions: [] };
}

/** Attributes the text already gives nodes of `op` (custom operators the table does not know). */
function usedAttributes(text: string, op: string): Record<string, string> {
  const out: Record<string, string> = {};
  // One line each: a node still being typed has no `>`, and must not reach into the next node's.
  const re = new RegExp(`=\\s*(?:[\\w.]+\\.)?${op.replace(/\W/g, '')}\\s*<([^>\\n]*)>`, 'g');
  for (const m of text.matchAll(re)) for (const a of m[1]!.matchAll(/([A-Za-z_]\w*)\s*:\s*([a-z_]+)/g)) out[a[1]!] = a[2]!;
  return out;
}

/** Ranges between brackets that open and close on different lines (strings and comments skipped). */
export function foldingRanges(text: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  const stack: { ch: string; line: number }[] = [];
  const close: Record<string, string> = { '}': '{', '>': '<', ')': '(' };
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '{' || c === '<' || c === '(') stack.push({ ch: c, line });
    else if (close[c]) {
      // `=>` is an arrow, not a bracket.
      if (c === '>' && text[i - 1] === '=') continue;
      const at = stack.map((s) => s.ch).lastIndexOf(close[c]!);
      if (at < 0) continue;
      const open = stack[at]!;
      stack.length = at;
      if (line > open.line) ranges.push({ start: open.line, end: line - 1 });
    }
  }
  return ranges;
}

let registered = false;

/** Registers the language, its grammar and providers (once). */
export function registerOnnxText(monaco: typeof Monaco): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: ONNX_TEXT, extensions: ['.onnxtxt'], aliases: ['ONNX text'] });
  monaco.languages.setMonarchTokensProvider(ONNX_TEXT, grammar);
  monaco.languages.setLanguageConfiguration(ONNX_TEXT, {
    comments: { lineComment: '#' },
    // Not `<`/`>`: the signature's `=>` would read as an unmatched bracket (folding is the provider's).
    brackets: [
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ],
    autoClosingPairs: [
      { open: '{', close: '}' },
      { open: '[', close: ']' },
      { open: '(', close: ')' },
      { open: '"', close: '"' },
    ],
  });
  monaco.languages.registerHoverProvider(ONNX_TEXT, { provideHover: (model, position) => hover(model, position) });
  monaco.languages.registerCompletionItemProvider(ONNX_TEXT, { triggerCharacters: ['<', ',', ' '], provideCompletionItems: (model, position) => completion(monaco, model, position) });
  monaco.languages.registerFoldingRangeProvider(ONNX_TEXT, {
    provideFoldingRanges: (model) => foldingRanges(model.getValue()).map((r) => ({ start: r.start, end: r.end, kind: monaco.languages.FoldingRangeKind.Region })),
  });
}

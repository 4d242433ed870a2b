// The If model the text tests print, edit and apply: x0 → Relu 'relu' → x; If 'if' on c, whose
// branches add 1 (then) or 2 (else) to x (each a Constant and an Add 'then_add'/'else_add'),
// writes `ifOut`; `after` reads on from there to the graph's `output`.

import { attrGraph, ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import type { NodeProto } from '../../shared/onnx/proto-types.js';

const F = ElemType.FLOAT;

export function ifModel(o: { ifOut?: string; after?: NodeProto[]; output?: string; opset?: number } = {}): IrModel {
  const branch = (name: string, v: number) =>
    graph({
      name,
      nodes: [node('Constant', [], [`${name}_c`], { value: tensor('', F, [1], [v]) }), node('Add', ['x', `${name}_c`], [`${name}_out`], undefined, { name: `${name}_add` })],
      outputs: [valueInfo(`${name}_out`, F, [1])],
    });
  const ifOut = o.ifOut ?? 'y';
  return new IrModel(
    model(
      graph({
        nodes: [
          node('Relu', ['x0'], ['x'], undefined, { name: 'relu' }),
          node('If', ['c'], [ifOut], { then_branch: attrGraph(branch('then', 1)), else_branch: attrGraph(branch('else', 2)) }, { name: 'if' }),
          ...(o.after ?? []),
        ],
        inputs: [valueInfo('x0', F, [1]), valueInfo('c', ElemType.BOOL, [])],
        outputs: [valueInfo(o.output ?? ifOut, F, [1])],
      }),
      ...(o.opset !== undefined ? [{ opset: o.opset }] : []),
    ),
  );
}

#!/usr/bin/env python3
"""Regenerates test/fixtures/onnx-text/: onnx.printer's text of a set of models, which
test/text/onnx-printer-fixtures.test.ts compares with our printer's (npm test needs no Python).

    python3 -m venv /tmp/onnx-venv && /tmp/onnx-venv/bin/pip install onnx numpy
    /tmp/onnx-venv/bin/python scripts/make-text-fixtures.py

Conformance models are read from ../shared/onnx-conformance (not copied: the .txt names the
model). One model, features.onnx, is built here with what the conformance suite lacks (a
model-local function with an attribute reference, value_info, quoted names, external data,
metadata, type_proto and graphs attributes) and kept beside its text.
"""
import glob
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx import printer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(ROOT, '..', 'shared', 'onnx-conformance')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx-text')

PATTERNS = [
    'simple/*',
    'light/*',
    'node/test_if*',
    'node/test_loop*',
    'node/test_scan*',
    'node/test_sequence_map*',
    'node/test_optional*',
    'node/test_strnorm*',
    'node/test_constant*',
    'node/test_cast_FLOAT_to_FLOAT16',
    'node/test_cast_FLOAT_to_BFLOAT16',
    'node/test_tfidfvectorizer_tf_batch_onlybigrams_skip0',
    'node/test_split_variable_parts_1d',
    'node/test_conv_with_strides_padding',
    'node/test_layer_normalization_2d_axis0',
    'node/test_range_float_type_positive_delta_expanded',
    'node/test_reduce_sum_default_axes_keepdims_example',
    'node/test_resize_downsample_scales_cubic',
    'node/test_gru_defaults',
    'node/test_nonmaxsuppression_suppress_by_IOU',
    'pytorch-converted/test_Conv2d',
    'pytorch-converted/test_Embedding',
    'pytorch-operator/test_operator_lstm',
]
# The two largest light/ models print 200 KB each; the round-trip test covers them.
EXCLUDE = {'light/light_densenet121.onnx', 'light/light_inception_v2.onnx'}


def features_model():
    fn = h.make_function(
        'local', 'ScaledAdd', ['x', 'y'], ['z'],
        [h.make_node('Add', ['x', 'y'], ['t']), h.make_node('Mul', ['t', 't'], ['u'])],
        [h.make_opsetid('', 17)], attributes=['alpha'])
    ref = h.make_node('LeakyRelu', ['u'], ['z'])
    a = onnx.AttributeProto(name='alpha', ref_attr_name='alpha', type=onnx.AttributeProto.FLOAT)
    ref.attribute.append(a)
    fn.node.append(ref)
    ext = onnx.TensorProto(name='external_w', data_type=T.FLOAT, dims=[4], data_location=1)
    for k, v in [('location', 'w.bin'), ('offset', '0'), ('length', '16')]:
        ext.external_data.add(key=k, value=v)
    other = h.make_node('Identity', ['d'], ['e'], name='weird/name')
    other.attribute.extend([
        h.make_attribute('tp', h.make_tensor_type_proto(T.FLOAT, [2, 'N'])),
        h.make_attribute('tps', [h.make_sequence_type_proto(h.make_tensor_type_proto(T.INT64, None))]),
        h.make_attribute('gs', [h.make_graph([h.make_node('Identity', ['d'], ['o1'])], 'g1', [], [h.make_tensor_value_info('o1', T.FLOAT16, None)]),
                                h.make_graph([], 'g2', [], [])]),
        h.make_attribute('ts', [nh.from_array(np.array([1, 2], dtype=np.int32))]),
        h.make_attribute('fl', 1.0),
        h.make_attribute('empty', [], attr_type=onnx.AttributeProto.INTS),
    ])
    other.domain = 'com.example'
    nodes = [
        h.make_node('ScaledAdd', ['a.b', 'w'], ['c:0'], domain='local', name='fn call', alpha=0.5),
        h.make_node('Constant', [], ['k'], value_floats=[1.5, float('inf'), -0.0, 1e-20, 3.4e38, 0.1]),
        h.make_node('Constant', [], ['s'], value_string='he said "hi" \\ ok'),
        h.make_node('Cast', ['c:0'], ['d'], to=10),
        h.make_node('Constant', [], ['f16'], value=nh.from_array(np.array([[1, 2], [3, 4]], dtype=np.float16))),
        h.make_node('Constant', [], ['bools'], value=nh.from_array(np.array([True, False]))),
        h.make_node('Constant', [], ['strs'], value=nh.from_array(np.array(['a', 'b"c'], dtype=object))),
        h.make_node('Constant', [], ['i64'], value=nh.from_array(np.array([-(2**63), 2**63 - 1], dtype=np.int64))),
        h.make_node('Constant', [], ['u64'], value=nh.from_array(np.array([2**64 - 1], dtype=np.uint64))),
        h.make_node('Constant', [], ['dbl'], value=nh.from_array(np.array([0.1, 1 / 3], dtype=np.float64))),
        h.make_node('Constant', [], ['big'], value=nh.from_array(np.linspace(-1, 1, 300, dtype=np.float32).reshape(3, 100), 'big_const')),
        other,
    ]
    inputs = [
        h.make_tensor_value_info('a.b', T.FLOAT, ['N', 3]),
        h.make_tensor_value_info('unranked', T.FLOAT, None),
        h.make_tensor_value_info('scalar', T.FLOAT, []),
        h.make_tensor_value_info('partly', T.FLOAT, [None, 'x']),
        h.make_value_info('sq', h.make_sequence_type_proto(h.make_tensor_type_proto(T.FLOAT, [2]))),
        h.make_value_info('mp', h.make_map_type_proto(T.INT64, h.make_tensor_type_proto(T.FLOAT, [2]))),
        h.make_value_info('opt', h.make_optional_type_proto(h.make_tensor_type_proto(T.FLOAT, [2]))),
        h.make_value_info('sp', h.make_sparse_tensor_type_proto(T.FLOAT, [2, 3])),
    ]
    g = h.make_graph(
        nodes, 'main graph', inputs, [h.make_tensor_value_info('e', T.FLOAT16, ['N', 3])],
        initializer=[nh.from_array(np.arange(12, dtype=np.float32).reshape(4, 3), 'w'), ext,
                     nh.from_array(np.arange(1000, dtype=np.float32).reshape(10, 100), 'large'),
                     h.make_tensor('typed', T.FLOAT, [2], [1.0, 2.0])],
        value_info=[h.make_tensor_value_info('d', T.FLOAT16, ['N', 3])])
    m = h.make_model(g, opset_imports=[h.make_opsetid('', 17), h.make_opsetid('local', 1), h.make_opsetid('com.example', 1)],
                     functions=[fn], producer_name='make-text-fixtures', producer_version='1.0', domain='example', model_version=3,
                     ir_version=10)
    h.set_model_props(m, {'k1': 'v1', 'k 2': 'v"2'})
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in glob.glob(os.path.join(OUT, '*')):
        os.remove(f)
    count = 0
    for pattern in PATTERNS:
        for path in sorted(glob.glob(os.path.join(CONF, pattern))):
            model_path = path if path.endswith('.onnx') else os.path.join(path, 'model.onnx')
            if not os.path.exists(model_path):
                continue
            rel = os.path.relpath(model_path, CONF)
            if rel in EXCLUDE:
                continue
            text = printer.to_text(onnx.load(model_path))
            name = rel.replace('/model.onnx', '').replace('.onnx', '').replace('/', '__')
            with open(os.path.join(OUT, name + '.txt'), 'w') as f:
                f.write(text)
            count += 1
    m = features_model()
    onnx.save(m, os.path.join(OUT, 'features.onnx'))
    with open(os.path.join(OUT, 'features.txt'), 'w') as f:
        f.write(printer.to_text(m))
    print(f'onnx {onnx.__version__}: {count} conformance models + features.onnx -> {os.path.relpath(OUT, ROOT)}', file=sys.stderr)


if __name__ == '__main__':
    main()

"""Writes shared/opschema/onnx-op-schemas.json from onnx.defs: every operator of the default
domain and ai.onnx.ml, each version, with inputs/outputs (name, type parameter, optional,
variadic), attributes (type, required, default) and type constraints; the doc cut to its first
sentence (latest version only). With onnxruntime installed, its com.microsoft operators too
(from onnxruntime's own schema registry). Run once by hand when ONNX gains operators; npm test
never runs it:

    python3 -m venv /tmp/venv-onnx && /tmp/venv-onnx/bin/pip install onnx onnxruntime
    /tmp/venv-onnx/bin/python scripts/gen-op-schemas.py

Format (compact on purpose, the renderer bundles it):
  { "onnx": "<version>", "types": [[allowed...], ...],
    "ops": { "<domain>": { "<Op>": { "doc": "...", "versions": [
        { "v": since, "in": [[name, typeStr, flags]], "out": [...],
          "attr": [[name, type, required(0/1), default?]], "tc": { "T": typesIndex } } ] } } } }
flags: "" single, "?" optional, "*" variadic (homogeneous), "+" variadic of mixed types.
"""

import json
import re
import sys
from pathlib import Path

import onnx
import onnx.defs as defs
from onnx import helper

DOMAINS = {"", "ai.onnx.ml"}
ORT_DOMAINS = {"com.microsoft"}
OUT = Path(__file__).resolve().parent.parent / "shared" / "opschema" / "onnx-op-schemas.json"

ATTR_TYPES = {
    "FLOAT": "float", "INT": "int", "STRING": "string", "TENSOR": "tensor", "GRAPH": "graph",
    "SPARSE_TENSOR": "sparse_tensor", "TYPE_PROTO": "type_proto", "FLOATS": "floats", "INTS": "ints",
    "STRINGS": "strings", "TENSORS": "tensors", "GRAPHS": "graphs", "SPARSE_TENSORS": "sparse_tensors",
    "TYPE_PROTOS": "type_protos",
}


def first_sentence(doc: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>|`|\*\*", "", doc or "")).strip()
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    s = m.group(1) if m else text
    return s if len(s) <= 240 else s[:237].rstrip() + "..."


def default_of(attr):
    proto = getattr(attr, "default_value", None)
    if proto is None and isinstance(getattr(attr, "_default_value", None), bytes):
        proto = onnx.AttributeProto.FromString(attr._default_value)  # onnxruntime's schemas
    if proto is None or not proto.name:
        return None
    value = helper.get_attribute_value(proto)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
    if isinstance(value, float):
        return float(f"{value:.7g}")
    if isinstance(value, (int, str)):
        return value
    return None  # tensor/graph defaults are not shown


def flags(p) -> str:
    # onnx.defs and onnxruntime name the same things differently (option enums, camelCase).
    opt = p.option.name
    homogeneous = p.is_homogeneous if hasattr(p, "is_homogeneous") else p.isHomogeneous
    if opt == "Optional":
        return "?"
    if opt == "Variadic":
        return "*" if homogeneous else "+"
    return ""


def type_str(p) -> str:
    return p.type_str if hasattr(p, "type_str") else p.typeStr


def ort_schemas():
    try:
        from onnxruntime.capi import onnxruntime_pybind11_state as ort
    except ImportError:
        print("onnxruntime is not installed: no com.microsoft operators", file=sys.stderr)
        return []
    return [s for s in ort.get_all_operator_schema() if s.domain in ORT_DOMAINS]


def short_type(t: str) -> str:
    m = re.fullmatch(r"tensor\((\w+)\)", t)
    return m.group(1) if m else t


def main() -> None:
    type_lists: list[list[str]] = []
    type_index: dict[tuple, int] = {}

    def types_of(allowed) -> int:
        key = tuple(sorted(short_type(t) for t in allowed))
        if key not in type_index:
            type_index[key] = len(type_lists)
            type_lists.append(list(key))
        return type_index[key]

    ops: dict[str, dict[str, dict]] = {}
    schemas = [s for s in [*defs.get_all_schemas_with_history(), *ort_schemas()] if s.domain in DOMAINS | ORT_DOMAINS and not s.deprecated]
    schemas.sort(key=lambda s: (s.domain, s.name, s.since_version))
    for s in schemas:
        entry = ops.setdefault(s.domain, {}).setdefault(s.name, {"doc": "", "versions": []})
        entry["doc"] = first_sentence(s.doc)  # the latest version's, as sorted
        attrs = []
        for a in sorted(s.attributes.values(), key=lambda a: a.name):
            row = [a.name, ATTR_TYPES.get(a.type.name, a.type.name.lower()), 1 if a.required else 0]
            d = default_of(a)
            if d is not None:
                row.append(d)
            attrs.append(row)
        version = {
            "v": s.since_version,
            "in": [[p.name, type_str(p), flags(p)] for p in s.inputs],
            "out": [[p.name, type_str(p), flags(p)] for p in s.outputs],
            "attr": attrs,
            "tc": {t.type_param_str: types_of(t.allowed_type_strs) for t in s.type_constraints},
        }
        entry["versions"].append(version)
    source = f"onnx {onnx.__version__}"
    if ORT_DOMAINS & ops.keys():
        import onnxruntime
        source += f", onnxruntime {onnxruntime.__version__}"
    data = {"source": source, "types": type_lists, "ops": ops}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    count = sum(len(v) for v in ops.values())
    print(f"{OUT}: {count} operators, {len(schemas)} versions, {OUT.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerates the expected outputs of the mapping-engine tests with real jq.

Needs Python 3 with the `jq` package 1.13.0 (it bundles jq 1.8.2) and PyYAML:
    pip install jq==1.13.0 pyyaml
    python3 mapping-engine/tests/data/regenerate.py

Inputs (committed): `items/<kind>.json` (raw items with enrichment fields, built from
Microsoft's REST API examples), `default-mapping.yaml`, `multi-org-mapping.yaml` and
`jq_cases.json` (programs and inputs). Outputs: `expected/<mapping>/<kind>.ndjson` and
the `expected` field of each case in `jq_cases.json`.
"""
import json
import os
import re
import jq
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
# The seed's mappings, shared by every crate's tests.
MAPPINGS = os.path.join(HERE, "..", "..", "..", "mappings")


def first(program, data_text):
    """First output of a jq program: ("ok", value) or ("error", message)."""
    try:
        outputs = jq.compile(program).input_text(data_text)
        for value in outputs:
            return ("ok", value)
        return ("empty", None)
    except Exception as exc:  # jq raises ValueError for compile and runtime errors
        return ("error", str(exc))


def evaluate_field(spec, data_text):
    if isinstance(spec, dict):
        return {k: evaluate_field(v, data_text) for k, v in spec.items()}
    if isinstance(spec, list):
        return [evaluate_field(v, data_text) for v in spec]
    program = spec if isinstance(spec, str) else json.dumps(spec)
    status, value = first(port_filter(program), data_text)
    return value if status == "ok" else None


def empty(value):
    """Port keeps an entity only when identifier and blueprint are truthy in Python."""
    return not value


def port_filter(program):
    """Port's rewrite of single-quoted strings before compiling a mapping program."""
    return re.sub(r"(^|\s)'(?!\s|\")|(?<!\s|\")'(\s|$)", r'\1"\2', program)


def map_items(resource, items):
    """Port's processing: selector must be a boolean, first output per field, errors -> null."""
    selector = resource.get("selector", {}).get("query", "true")
    selector = selector if isinstance(selector, str) else json.dumps(selector)
    mappings = resource["port"]["entity"]["mappings"]
    for item in items:
        text = json.dumps(item)
        status, passed = first(port_filter(selector), text)
        if status != "ok" or not isinstance(passed, bool) or not passed:
            continue
        entity = {}
        for key in ("identifier", "blueprint", "title", "team", "icon"):
            if key in mappings:
                entity[key] = evaluate_field(mappings[key], text)
        for key in ("properties", "relations"):
            if key in mappings:
                entity[key] = {k: evaluate_field(v, text) for k, v in (mappings[key] or {}).items()}
        if empty(entity.get("identifier")) or empty(entity.get("blueprint")):
            continue
        yield entity


def main():
    for mapping_name in ("default-mapping", "multi-org-mapping"):
        with open(os.path.join(MAPPINGS, mapping_name + ".yaml")) as f:
            mapping = yaml.safe_load(f)
        out_dir = os.path.join(HERE, "expected", mapping_name)
        os.makedirs(out_dir, exist_ok=True)
        kinds = []
        for resource in mapping["resources"]:
            if resource["kind"] not in kinds:
                kinds.append(resource["kind"])
        for kind in kinds:
            with open(os.path.join(HERE, "items", kind + ".json")) as f:
                items = json.load(f)
            lines = []
            for resource in mapping["resources"]:
                if resource["kind"] == kind:
                    lines.extend(json.dumps(e) for e in map_items(resource, items))
            with open(os.path.join(out_dir, kind + ".ndjson"), "w") as f:
                f.write("".join(line + "\n" for line in lines))

    path = os.path.join(HERE, "jq_cases.json")
    with open(path) as f:
        cases = json.load(f)
    for case in cases:
        status, value = first(case["program"], case.get("input", "null"))
        case["expected"] = {"status": status, "value": value if status == "ok" else None}
    with open(path, "w") as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()

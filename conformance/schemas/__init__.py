"""JSON Schemas (draft 2020-12) of the build folder's files.

``load_schema("modules")`` reads ``modules.schema.json``; schemas refer to each other
(``condition``, ``expr``, ``common``) by relative ``$ref``, resolved through one
registry of every schema in this folder. Validation is a build and test concern:
the runtime loader never imports this module.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from conformance.errors import StandardDataError

# the build folder's documents, and the schemas they refer to
DOCUMENT_NAMES = ("manifest", "iods", "modules", "sop_classes", "dictionary", "vrs",
                  "anomalies", "deidentification", "cids")
SCHEMA_NAMES = (*DOCUMENT_NAMES, "condition", "expr", "common")


def load_schema(name: str) -> dict[str, Any]:
    """The schema document ``NAME.schema.json`` of this package; ``expr``'s per-op
    fields come from the condition operator table (``conditions.optable``)."""
    if name not in SCHEMA_NAMES:
        raise StandardDataError(f"no schema named {name!r}")
    return _load(name, _ops_key())


def _ops_key() -> tuple[tuple[str, int], ...]:
    """Which condition operators are registered (a new one changes the schemas)."""
    from conformance.conditions.optable import REGISTRY

    return tuple((name, id(op)) for name, op in REGISTRY.items())


@cache
def _load(name: str, ops: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    if name == "expr":
        from conformance.conditions.opdef import expr_schema_checks
        from conformance.conditions.optable import REGISTRY

        del doc["$comment"]
        doc["$defs"]["expr"]["allOf"] = expr_schema_checks(REGISTRY)
    return doc


def backend() -> str:
    """``jsonschema-rs`` when installed (about 100x faster on a full PS3.3), else ``jsonschema``."""
    try:
        import jsonschema_rs  # noqa: F401
    except ImportError:
        return "jsonschema"
    return "jsonschema-rs"


def _rs_validator(name: str) -> Any:
    return _rs_validator_of(name, _ops_key())


@cache
def _rs_validator_of(name: str, ops: tuple[tuple[str, int], ...]) -> Any:
    import jsonschema_rs

    registry = jsonschema_rs.Registry([(load_schema(n)["$id"], load_schema(n))
                                       for n in SCHEMA_NAMES])
    return jsonschema_rs.Draft202012Validator(load_schema(name), registry=registry)


def _validator(name: str) -> Any:
    return _validator_of(name, _ops_key())


@cache
def _validator_of(name: str, ops: tuple[tuple[str, int], ...]) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources_ = [(load_schema(n)["$id"], Resource.from_contents(load_schema(n)))
                  for n in SCHEMA_NAMES]
    registry = Registry().with_resources(resources_)
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry)


def prepare() -> None:
    """Make the fastest installed backend's validator of every build document now (its
    import and the schemas' registry: about 40 ms the first time), e.g. while a build
    waits for a child or before it forks one that writes files."""
    if backend() == "jsonschema-rs":
        for name in DOCUMENT_NAMES:
            _rs_validator(name)


def validate_document(name: str, data: Any, *, using: str | None = None) -> None:
    """Raise StandardDataError naming the JSON path of the first schema violation.

    ``using`` picks the validator (``jsonschema`` or ``jsonschema-rs``); default: the
    fastest installed. Both check the same schema documents.
    """
    if (using or backend()) == "jsonschema-rs":
        first = next(iter(_rs_validator(name).iter_errors(data)), None)
        if first is None:
            return
        if using is None:
            # jsonschema explains anyOf failures better (deepest error); worth it on failure.
            _report_first(name, data)
        raise StandardDataError(f"{name}.json fails its schema at "
                                f"{json_path(first.instance_path)}: {_short(first.message)}")
    _report_first(name, data)


def _report_first(name: str, data: Any) -> None:
    validator = _validator(name)
    error = next(iter(validator.iter_errors(data)), None)
    if error is None:
        return
    # The deepest error of the first failing branch says most about the fault.
    best = _deepest(error)
    raise StandardDataError(f"{name}.json fails its schema at {best.json_path}: "
                            f"{_short(best.message)}")


def json_path(parts: list[str | int]) -> str:
    """``["iods", "ct-image", 0]`` -> ``$.iods['ct-image'][0]`` (jsonschema's notation)."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def _deepest(error: Any) -> Any:
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."

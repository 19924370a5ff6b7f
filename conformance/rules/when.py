"""``when:`` in YAML: a readable spelling of the condition language (docs/CONTRACTS.md Expr).

Each node is a one-key mapping ``{op: argument}`` and maps 1:1 to a JSON Expr; each
operator's spelling (schema and conversion) is the ``yaml`` of its entry in
:mod:`conformance.conditions.optable`; the built-in ones:

- ``present`` / ``absent`` / ``has_value`` / ``empty`` / ``changed``: ``ATTR`` or
  ``{attr: ATTR, scope: S, index: N}``;
- ``eq`` / ``ne``: ``{attr: ATTR, values: [...]}``; ``lt`` ``le`` ``gt`` ``ge``:
  ``{attr: ATTR, value: N}``; ``points_to``: ``{attr: ATTR, target: ATTR}``;
  ``contains_code``: ``{attr: ATTR, codes: [{value, scheme, meaning}]}``;
- ``sop_class: [UID, ...]``; ``module_present: {module: id, kind: module}``;
  ``mutually_exclusive: [ATTR, ...]``;
- ``all`` (= ``and``) / ``any`` (= ``or``): a list; ``not``: one node.

``ATTR`` is a rule target (keyword or tag, ``Seq.Attr`` paths; item indexes are ignored:
the condition language looks into any item). The scope defaults to ``root``: a rule's
``when`` is a condition on the dataset as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.conditions.opdef import YamlRefs
from conformance.conditions.optable import REGISTRY
from conformance.rules.paths import PathError, Target

_JUNCTIONS = {"all": "and", "and": "and", "any": "or", "or": "or"}

ParseTarget = Callable[[str, tuple[Any, ...]], Target]


class WhenError(ValueError):
    """A ``when`` node that cannot be converted; ``at`` is the path inside the node."""

    def __init__(self, message: str, at: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.at = at


class _Refs(YamlRefs):
    """Rule targets as condition references (item indexes dropped: the condition
    language looks into any item); the scope defaults to ``root``."""

    def __init__(self, parse: ParseTarget) -> None:
        self.parse = parse

    def ref(self, text: str, scope: str | None, index: int | None,
            at: tuple[Any, ...]) -> dict[str, Any]:
        try:
            tgt = self.parse(text, at)
        except PathError as exc:
            raise WhenError(str(exc), at) from None
        return {"tag": tgt.tag, "scope": scope or "root", "index": index,
                "path": tgt.ref_path()}

    def tag(self, text: str, at: tuple[Any, ...]) -> str:
        try:
            tgt = self.parse(text, at)
        except PathError as exc:
            raise WhenError(str(exc), at) from None
        if tgt.ref_path() is not None or "x" in tgt.tag:
            raise WhenError("points_to target must be a single tag", at)
        return tgt.tag


def to_expr(node: Any, parse: ParseTarget, at: tuple[Any, ...] = ()) -> dict[str, Any]:
    """Convert a schema-valid YAML ``when`` node to a JSON Expr."""
    (op, arg), = node.items()
    here = (*at, op)
    if op in _JUNCTIONS:
        return {"op": _JUNCTIONS[op],
                "args": [to_expr(a, parse, (*here, i)) for i, a in enumerate(arg)]}
    if op == "not":
        return {"op": "not", "arg": to_expr(arg, parse, here)}
    entry = REGISTRY.get(op)
    if entry is None or entry.yaml is None:
        raise WhenError(f"unknown operator {op!r}", here)
    return {"op": op, **entry.yaml.to_expr(arg, _Refs(parse), here)}

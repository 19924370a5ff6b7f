"""``when:`` in YAML: a readable spelling of the condition language (docs/CONTRACTS.md Expr).

Each node is a one-key mapping ``{op: argument}`` and maps 1:1 to a JSON Expr:

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

from conformance.rules.paths import PathError, Target

_ATTR_OPS = ("present", "absent", "has_value", "empty", "changed")
_JUNCTIONS = {"all": "and", "and": "and", "any": "or", "or": "or"}

ParseTarget = Callable[[str, tuple[Any, ...]], Target]


class WhenError(ValueError):
    """A ``when`` node that cannot be converted; ``at`` is the path inside the node."""

    def __init__(self, message: str, at: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.at = at


def to_expr(node: Any, parse: ParseTarget, at: tuple[Any, ...] = ()) -> dict[str, Any]:
    """Convert a schema-valid YAML ``when`` node to a JSON Expr."""
    (op, arg), = node.items()
    here = (*at, op)
    if op in _JUNCTIONS:
        return {"op": _JUNCTIONS[op],
                "args": [to_expr(a, parse, (*here, i)) for i, a in enumerate(arg)]}
    if op == "not":
        return {"op": "not", "arg": to_expr(arg, parse, here)}
    if op == "sop_class":
        return {"op": "sop_class", "uids": [str(u) for u in arg]}
    if op == "module_present":
        return {"op": "module_present", "module": arg["module"],
                "kind": arg.get("kind", "module")}
    if op == "mutually_exclusive":
        return {"op": op, "attrs": [_ref(a, None, None, parse, (*here, i))
                                    for i, a in enumerate(arg)]}
    if isinstance(arg, str):
        return {"op": op, "attr": _ref(arg, None, None, parse, here)}
    ref = _ref(arg["attr"], arg.get("scope"), arg.get("index"), parse, (*here, "attr"))
    out: dict[str, Any] = {"op": op, "attr": ref}
    if op in ("eq", "ne"):
        out["values"] = list(arg["values"])
    elif op in ("lt", "le", "gt", "ge"):
        out["value"] = arg["value"]
    elif op == "points_to":
        tgt = parse(arg["target"], (*here, "target"))
        if tgt.ref_path() is not None or "x" in tgt.tag:
            raise WhenError("points_to target must be a single tag", (*here, "target"))
        out["target"] = tgt.tag
    elif op == "contains_code":
        out["codes"] = [{"value": c["value"], "scheme": c["scheme"],
                         "meaning": c.get("meaning")} for c in arg["codes"]]
    elif op not in _ATTR_OPS:
        raise WhenError(f"unknown operator {op!r}", here)
    return out


def _ref(text: str, scope: str | None, index: int | None, parse: ParseTarget,
         at: tuple[Any, ...]) -> dict[str, Any]:
    try:
        tgt = parse(text, at)
    except PathError as exc:
        raise WhenError(str(exc), at) from None
    return {"tag": tgt.tag, "scope": scope or "root", "index": index, "path": tgt.ref_path()}

"""The condition language: JSON-serialisable expression dicts and their constructors.

An ``Expr`` is a plain dict with an ``"op"`` key (see docs/CONTRACTS.md "Expr"). The
operators themselves (fields, semantics, printer, YAML spelling) are the entries of
:mod:`.optable`; the printer is :func:`conformance.conditions.printer.to_text`.
Attribute references (``Ref``) are dicts ``{"tag", "scope", "index", "path"}``.

Additions to the contract (documented in the helper's report):
- scope ``"nearest"``: the conditional attribute's own item first, then the enclosing
  items outwards, then the root. The parser uses it when the sentence does not say
  where the attribute lives ("Required if Brachy Treatment Type (300A,0202) is PDR"
  inside a nested sequence means the module's top-level attribute).
- op ``points_to_private`` (``attr``): an AT value names a private (odd group) tag.
- op ``count`` (``attr``, ``cmp``, ``value``): the number of items (a sequence) or values
  of the attribute compared with ``value``; an absent attribute counts 0.
- op ``fact`` (``name``): a named fact of ``conditions/facts.json`` ("the Patient is an
  animal"), decided from the dataset, the IOD's module table or a flagged presumption.
- op ``referenced`` (``by``, ``key``, ``sequence``, ``arg``): ``arg`` holds in the item that
  ``by`` refers to, i.e. the item of ``sequence`` (or, when null, of any sequence of the
  enclosing datasets whose items carry ``key``) whose ``key`` value equals the value of
  ``by`` ("Wedge Type of the wedge referenced by Referenced Wedge Number ...").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Expr = dict[str, Any]
Ref = dict[str, Any]

SCOPES = ("item", "parent", "root", "frame", "any_frame", "nearest")
ATTR_OPS = ("present", "absent", "has_value", "empty")
CMP_OPS = ("lt", "le", "gt", "ge")
COUNT_CMPS = ("lt", "le", "gt", "ge", "eq", "ne")


def ref(tag: str, scope: str = "nearest", index: int | None = None,
        path: list[str] | None = None) -> Ref:
    """An attribute reference."""
    return {"tag": tag, "scope": scope, "index": index, "path": path}


def present(attr: Ref) -> Expr:
    return {"op": "present", "attr": attr}


def absent(attr: Ref) -> Expr:
    return {"op": "absent", "attr": attr}


def has_value(attr: Ref) -> Expr:
    return {"op": "has_value", "attr": attr}


def empty(attr: Ref) -> Expr:
    return {"op": "empty", "attr": attr}


def eq(attr: Ref, values: list[str | int | float]) -> Expr:
    return {"op": "eq", "attr": attr, "values": list(values)}


def ne(attr: Ref, values: list[str | int | float]) -> Expr:
    return {"op": "ne", "attr": attr, "values": list(values)}


def cmp(op: str, attr: Ref, value: int | float) -> Expr:
    """``lt``/``le``/``gt``/``ge``."""
    if op not in CMP_OPS:
        raise ValueError(f"not a comparison: {op}")
    return {"op": op, "attr": attr, "value": value}


def and_(*args: Expr) -> Expr:
    """Conjunction, flattened; a single argument is returned as is."""
    return _junction("and", args)


def or_(*args: Expr) -> Expr:
    """Disjunction, flattened; a single argument is returned as is."""
    return _junction("or", args)


def _junction(op: str, args: tuple[Expr, ...]) -> Expr:
    flat: list[Expr] = []
    for a in args:
        if a.get("op") == op:
            flat.extend(a["args"])
        else:
            flat.append(a)
    if len(flat) == 1:
        return flat[0]
    return {"op": op, "args": flat}


def not_(arg: Expr) -> Expr:
    return {"op": "not", "arg": arg}


def sop_class(uids: list[str]) -> Expr:
    return {"op": "sop_class", "uids": list(uids)}


def module_present(module: str, kind: str = "module") -> Expr:
    return {"op": "module_present", "module": module, "kind": kind}


def points_to(attr: Ref, target: str) -> Expr:
    return {"op": "points_to", "attr": attr, "target": target}


def points_to_private(attr: Ref) -> Expr:
    return {"op": "points_to_private", "attr": attr}


def code(value: str, scheme: str, meaning: str | None = None) -> dict[str, str | None]:
    return {"value": value, "scheme": scheme, "meaning": meaning}


def contains_code(attr: Ref, codes: list[dict[str, str | None]]) -> Expr:
    return {"op": "contains_code", "attr": attr, "codes": list(codes)}


def item_position(position: str | int, sequence: str | None = None) -> Expr:
    return {"op": "item_position", "position": position, "sequence": sequence}


def changed(attr: Ref) -> Expr:
    return {"op": "changed", "attr": attr}


def mutually_exclusive(attrs: list[Ref]) -> Expr:
    return {"op": "mutually_exclusive", "attrs": list(attrs)}


def count(attr: Ref, cmp_op: str, value: int) -> Expr:
    """Number of items / values of ``attr`` compared with ``value`` (absent counts 0)."""
    if cmp_op not in COUNT_CMPS:
        raise ValueError(f"not a count comparison: {cmp_op}")
    return {"op": "count", "attr": attr, "cmp": cmp_op, "value": value}


def referenced(by: Ref, key: str, arg: Expr, sequence: str | None = None) -> Expr:
    """``arg`` evaluated in the item whose ``key`` equals the value of ``by``."""
    return {"op": "referenced", "by": by, "key": key, "sequence": sequence, "arg": arg}


def unknown(text: str) -> Expr:
    return {"op": "unknown", "text": text}


TRUE: Expr = {"op": "true"}
FALSE: Expr = {"op": "false"}


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr``, depth first, the node itself first."""
    yield expr
    op = expr.get("op")
    if op in ("and", "or"):
        for a in expr["args"]:
            yield from walk(a)
    elif op in ("not", "referenced"):
        yield from walk(expr["arg"])


def has_unknown(expr: Expr | None) -> bool:
    """True when some leaf is ``unknown`` (or there is no expression at all)."""
    if expr is None:
        return True
    return any(n.get("op") == "unknown" for n in walk(expr))


def ref_text(r: Ref) -> str:
    """``(0008,0008)[1]@frame``: tag, optional value index, scope if not the default."""
    tag = r.get("tag", "????????")
    s = f"({tag[:4]},{tag[4:]})"
    if r.get("path"):
        # the path names the sequences and, usually, the tag itself last
        path = r["path"] if r["path"][-1] == tag else [*r["path"], tag]
        s = ".".join(f"({t[:4]},{t[4:]})" for t in path)
    if r.get("index"):
        s += f"[{r['index']}]"
    scope = r.get("scope") or "nearest"
    if scope != "nearest":
        s += f"@{scope}"
    return s

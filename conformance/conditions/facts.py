"""Named facts of condition sentences (``facts.json``): data with citations, like the
hand rules.

A sentence part the grammar cannot read stays an ``unknown`` leaf holding its text. When
that text (or the text of an ``and`` / ``or`` of unknown leaves, "an expanded" or
"replacement character set is used") is a phrase of a fact, :func:`resolve` replaces it
with ``{"op": "fact", "name": ...}``. The parser does this for new builds; both
evaluators do it for expressions of older builds, so the same sentence means the same
thing whatever build it came from.

A fact is decided, in this order, by ``true_if`` (an expression that, when true, makes
the fact true), ``false_if`` (likewise false), a built-in derivation named by
``derive`` (e.g. the bytes of the text values), and last ``presumed``: a presumption,
used only while presumptions are on (:data:`PRESUMPTIONS`; ``--no-presumptions`` and
``Validator(presumptions=False)`` turn them off). Otherwise the fact is unknown (None).

:func:`open_unknowns` tells whether a condition still has a part no dataset can decide
(a process fact, "if contrast was applied", or a phrase not understood): such
conditions are ``process`` conditions, listed per IOD instead of reported per file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from conformance.conditions.context import EvalContext
from conformance.errors import StandardDataError

PATH = Path(__file__).with_name("facts.json")
Tri = bool | None

#: Presumptions decide facts (True, the default) or leave them unknown (False).
PRESUMPTIONS: ContextVar[bool] = ContextVar("conformance_presumptions", default=True)

_SPACE = re.compile(r"\s+")
_PAREN = re.compile(r"\(\s+|\s+\)")


def key(text: str) -> str:
    """Lower case, single spaces, no spaces inside brackets, no leading "the"/"if", no
    trailing punctuation: ``"the Patient is an animal ,"`` -> ``patient is an animal``."""
    t = _SPACE.sub(" ", str(text)).strip().lower()
    t = _PAREN.sub(lambda m: m.group().strip(), t)
    t = re.sub(r"\s*:\s*", ":", t)
    t = t.strip(" ,.;:")
    while True:
        stripped = re.sub(r"^(?:if|when|the|and|or)\s+", "", t)
        if stripped == t:
            return t
        t = stripped


@cache
def table(path: Path = PATH) -> dict[str, dict[str, Any]]:
    """``{name: fact}`` from the data file (read once)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StandardDataError(f"cannot read condition facts {path}: {exc}") from exc
    out: dict[str, dict[str, Any]] = {}
    for n, f in enumerate(doc.get("facts", []) if isinstance(doc, dict) else []):
        where = f"{path}: fact {n}"
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            raise StandardDataError(f"{where}: needs a 'name'")
        if not f.get("phrases") or not isinstance(f.get("citation"), dict):
            raise StandardDataError(f"{where}: needs 'phrases' and a 'citation'")
        if f.get("derive") is not None and f["derive"] not in DERIVATIONS:
            raise StandardDataError(f"{where}: unknown derivation {f['derive']!r}")
        if not any(f.get(k) for k in ("true_if", "false_if", "derive", "presumed")):
            raise StandardDataError(f"{where}: no way to decide it")
        if f["name"] in out:
            raise StandardDataError(f"{where}: name given twice")
        out[f["name"]] = f
    return out


@cache
def _phrases() -> dict[str, str]:
    return {key(p): name for name, f in table().items() for p in f["phrases"]}


def lookup(text: str) -> str | None:
    """The fact a sentence part names, or None."""
    return _phrases().get(key(text))


def is_presumption(name: str) -> bool:
    f = table().get(name)
    return bool(f and f.get("presumed"))


# -- expressions --------------------------------------------------------------------


def _text_of(e: Any) -> str | None:
    """The sentence text an ``unknown`` leaf or a junction of them stands for."""
    if not isinstance(e, dict):
        return None
    op = e.get("op")
    if op == "unknown":
        return str(e.get("text", ""))
    if op in ("and", "or") and isinstance(e.get("args"), list) and e["args"]:
        parts = [_text_of(a) for a in e["args"]]
        if all(p is not None for p in parts):
            return f" {op} ".join(p for p in parts if p is not None)
    return None


def resolve(expr: Any) -> Any:
    """``expr`` with the unknown parts that name a fact replaced by ``fact`` leaves; the
    same object when nothing changes (never modified in place)."""
    if not isinstance(expr, dict):
        return expr
    op = expr.get("op")
    if op in ("unknown", "and", "or"):
        text = _text_of(expr)
        if text is not None:
            name = lookup(text)
            if name is not None:
                return {"op": "fact", "name": name}
    if op in ("and", "or") and isinstance(expr.get("args"), list):
        args = [resolve(a) for a in expr["args"]]
        if any(a is not b for a, b in zip(args, expr["args"], strict=True)):
            return {**expr, "args": args}
    elif op in ("not", "referenced") and "arg" in expr:
        arg = resolve(expr["arg"])
        if arg is not expr["arg"]:
            return {**expr, "arg": arg}
    return expr


def _walk(e: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(e, dict):
        return
    yield e
    if e.get("op") in ("and", "or") and isinstance(e.get("args"), list):
        for a in e["args"]:
            yield from _walk(a)
    elif e.get("op") in ("not", "referenced"):
        yield from _walk(e.get("arg"))


def open_unknowns(expr: Any) -> list[str]:
    """Texts of the parts of ``expr`` no dataset can decide (after :func:`resolve`)."""
    return [str(n.get("text", "")) for n in _walk(resolve(expr)) if n.get("op") == "unknown"]


def facts_in(expr: Any) -> list[str]:
    """Names of the facts ``expr`` uses (after :func:`resolve`)."""
    return [str(n.get("name")) for n in _walk(resolve(expr)) if n.get("op") == "fact"]


def from_dataset(name: str) -> bool:
    """The fact is decided by the dataset's content: neither a presumption nor a fact
    of the IOD's own module table (``decided_from: iod-table``)."""
    f = table().get(name)
    return bool(f) and not f.get("presumed") and f.get("decided_from") != "iod-table"


def evaluable(expr: Any) -> bool:
    """Decidable from the dataset alone: no unknown part, no presumption (it decides what
    the dataset does not say) and no fact of the IOD's table (the condition corpus's
    score counts what a dataset decides)."""
    if not isinstance(expr, dict):
        return False
    return not open_unknowns(expr) and all(from_dataset(n) for n in facts_in(expr))


# -- deciding a fact ----------------------------------------------------------------


def decide(name: str, ctx: EvalContext, sub: Callable[[Any, EvalContext], Tri]) -> Tri:
    """The fact ``name`` in ``ctx``; ``sub`` evaluates the fact's own expressions (the
    caller's evaluator, so both evaluators share this logic)."""
    f = table().get(name)
    if f is None:
        return None
    if f.get("true_if") and sub(f["true_if"], ctx) is True:
        return True
    if f.get("false_if") and sub(f["false_if"], ctx) is True:
        return False
    derive = f.get("derive")
    if derive is not None:
        got = DERIVATIONS[derive](ctx)
        if got is not None:
            return got
    presumed = f.get("presumed")
    if presumed and PRESUMPTIONS.get() and sub(presumed["when"], ctx) is True:
        return bool(presumed["value"])
    return None


# -- derivations ----------------------------------------------------------------------

_TEXT_VRS = frozenset({"SH", "LO", "ST", "LT", "UC", "UT", "PN"})
_MAX_ELEMENTS = 200_000  # a bound on hostile nesting; beyond it the fact stays unknown


def _text_beyond_default(ctx: EvalContext) -> Tri:
    """PS3.5 6.1.2: a text value with a byte above 0x7F or an ESC uses an expanded or
    replacement character set; none in the whole dataset means none is used."""
    seen = 0
    stack = [ctx.root]
    while stack:
        ds = stack.pop()
        # the stored elements as they are (a Dataset's own dict: no BaseTag probes)
        stored = ds._dict if hasattr(ds, "_dict") else None
        pairs = list(stored.items()) if stored is not None else [(t, None) for t in list(ds.keys())]
        for tag, raw in pairs:
            seen += 1
            if seen > _MAX_ELEMENTS:
                return None
            vr = getattr(raw, "VR", None)
            value = getattr(raw, "value", None)
            if vr == "SQ" or (vr is None and isinstance(value, list)):
                elem = ds[tag]
                stack.extend(i for i in (elem.value or []) if hasattr(i, "keys"))
                continue
            if vr is None:
                try:
                    elem = ds[tag]
                except Exception:  # noqa: BLE001 - unreadable: reported elsewhere
                    continue
                vr, value = elem.VR, elem.value
                if vr == "SQ":
                    stack.extend(i for i in (value or []) if hasattr(i, "keys"))
                    continue
            if vr not in _TEXT_VRS or value is None:
                continue
            if _beyond_default(value):
                return True
    return False


def _beyond_default(value: Any) -> bool:
    """A byte or character above 7FH, or ESC (``isascii``: all below 80H)."""
    if isinstance(value, bytes | bytearray):
        return not value.isascii() or b"\x1b" in value
    if hasattr(value, "original_string") and value.original_string is not None:
        return _beyond_default(value.original_string)
    if isinstance(value, list | tuple):
        return any(_beyond_default(v) for v in value)
    text = str(value)
    return not text.isascii() or "\x1b" in text


DERIVATIONS: Mapping[str, Callable[[EvalContext], Tri]] = {
    "text-beyond-default-repertoire": _text_beyond_default,
}

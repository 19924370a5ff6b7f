"""Hand-read condition sentences: ``hand_rules.json``, keyed by the normalised text.

A few decidable sentences are prose the grammar does not cover ("Required if integer
pixels"), name things that are no PS3.6 name ("Gantry Pitch Rotation Angle"), or give an
enumerated value as its meaning ("Pixel Component Organization = Ranges"). Their reviewed
expressions live in the data file, each with the reason; the parser looks a sentence up
here before parsing it. A missing or malformed file is a :class:`StandardDataError`.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from conformance.conditions.expr import walk
from conformance.conditions.optable import REGISTRY
from conformance.errors import StandardDataError

PATH = Path(__file__).with_name("hand_rules.json")
FIELDS = ("expr", "otherwise", "may_if", "forbidden_if")
_SPACE = re.compile(r"\s+")


def key(text: str) -> str:
    """Lower case, single spaces, straight quotes, no final full stop."""
    t = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    return _SPACE.sub(" ", t).strip().rstrip(".").strip().lower()


@cache
def rules(path: Path = PATH) -> dict[str, dict[str, Any]]:
    """``{key(text): rule}`` from the data file (read once)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StandardDataError(f"cannot read condition hand rules {path}: {exc}") from exc
    out: dict[str, dict[str, Any]] = {}
    for n, r in enumerate(doc.get("rules", []) if isinstance(doc, dict) else []):
        _check(r, n, path)
        k = key(r["text"])
        if k in out:
            raise StandardDataError(f"{path}: rule {n}: text given twice")
        out[k] = r
    return out


def _check(r: Any, n: int, path: Path) -> None:
    where = f"{path}: rule {n}"
    if not isinstance(r, dict) or not isinstance(r.get("text"), str) or not r["text"]:
        raise StandardDataError(f"{where}: needs a 'text'")
    if not isinstance(r.get("expr"), dict) or r.get("otherwise") not in ("may", "not_allowed"):
        raise StandardDataError(f"{where}: needs an 'expr' and 'otherwise' may|not_allowed")
    for f in ("expr", "may_if", "forbidden_if"):
        e = r.get(f)
        if e is None:
            continue
        if not isinstance(e, dict):
            raise StandardDataError(f"{where}: {f} is not an expression")
        for node in walk(e):
            if node.get("op") not in REGISTRY or node.get("op") == "unknown":
                raise StandardDataError(f"{where}: {f}: unsupported op {node.get('op')!r}")


def lookup(text: str) -> dict[str, Any] | None:
    """The parse result fields (a copy) of a hand-read sentence, or None."""
    r = rules().get(key(text))
    if r is None:
        return None
    out = {f: copy.deepcopy(r.get(f)) for f in FIELDS}
    out["error"] = None
    return out

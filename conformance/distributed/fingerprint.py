"""What a file's findings depend on, as short hashes: the file itself (size, mtime,
optionally its content), the parts of the standard every file depends on, the tables of
the file's IOD, and the rules that apply to it.

An incremental run reuses a file's findings only when every one of these is unchanged,
so changing the standard or a rule pack invalidates exactly the files it can affect:
a changed module table re-validates the files of the IODs that use it, a changed rule
re-validates the files the rule applies to (its ``applies_to``), a changed ``disable:``
list re-validates every file of that pack.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.rules.pack import applies

# The standard's files every validation reads, whatever the IOD (the IOD tables are
# fingerprinted one IOD at a time).
_GLOBAL_FILES = ("dictionary", "vrs", "sop_classes")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class FileStamp:
    """A file as an incremental run sees it."""

    size: int
    mtime_ns: int
    sha256: str | None = None


def stamp(path: str, *, content_hash: bool = False) -> FileStamp | None:
    """The stamp of ``path``; None when it cannot be read (the validation says why)."""
    try:
        st = os.stat(path)
        digest = file_sha256(path) if content_hash else None
    except OSError:
        return None
    return FileStamp(st.st_size, st.st_mtime_ns, digest)


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _sha(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _standard_file(folder: str, name: str) -> bytes:
    for suffix in (".json", ".json.gz"):
        p = os.path.join(folder, name + suffix)
        if os.path.exists(p):
            with open(p, "rb") as f:
                return f.read()
    return b""


def standard_fingerprint(standard: Any, iod_override: str | None = None,
                         options: Any = None) -> str:
    """The engine's version, the content hash's algorithm, the edition, the dictionary,
    VRs and SOP Class table, an ``--iod`` override and the Validator's options
    (presumptions, shown values): a change to any of them can change every file's
    findings (or its digest, which cross-file checks compare with the other files')."""
    from conformance import __version__
    from conformance.engine.input import CONTENT_HASH

    folder = os.fspath(standard.path)
    files = [hashlib.sha256(_standard_file(folder, n)).hexdigest() for n in _GLOBAL_FILES]
    return _sha("engine", __version__, CONTENT_HASH, standard.edition, files, iod_override,
                options)


def _tables_of(node: Any) -> Iterator[tuple[str, str]]:
    """(kind, id) of every table a node tree names: includes and module_present."""
    if isinstance(node, dict):
        inc = node.get("include")
        if node.get("kind") == "include" and isinstance(inc, dict):
            yield inc.get("kind", "macro"), inc["id"]
        if node.get("op") == "module_present" and node.get("kind") in ("module", "macro"):
            yield node["kind"], node["module"]
        for v in node.values():
            yield from _tables_of(v)
    elif isinstance(node, list):
        for v in node:
            yield from _tables_of(v)


def iod_fingerprint(standard: Any, iod: str | None) -> str:
    """The IOD's own entry and every module and macro table it reaches (through its
    module list, functional groups, include rows and module conditions)."""
    if not iod:
        return ""
    try:
        entry = standard.iod(iod)
    except Exception:  # noqa: BLE001 - an IOD no longer in the standard: never equal
        return "missing:" + iod
    seen: dict[tuple[str, str], Any] = {}
    todo = [("module", m["module"]) for m in entry.get("modules", [])]
    todo += [("macro", g["macro"]) for g in entry.get("functional_groups", [])]
    todo += list(_tables_of(entry))
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        try:
            table = standard.table(*key)
        except Exception:  # noqa: BLE001 - a dangling include is part of the fingerprint
            table = None
        seen[key] = table
        if table is not None:
            todo.extend(_tables_of(table))
    return _sha(entry, sorted((f"{k}:{i}", t) for (k, i), t in seen.items()))


def _canon(obj: Any) -> Any:
    """A JSON-able form of compiled rules that does not depend on hash order."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _canon(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _canon(v) for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        return sorted((_canon(v) for v in obj), key=repr)
    if isinstance(obj, (list, tuple)):
        return [_canon(v) for v in obj]
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return repr(obj)


class RulesFingerprint:
    """Per file, a hash of the rules that apply to it (by IOD, SOP Class and Modality,
    as the packs' ``applies_to`` decide) and of every pack's ``disable:`` list.

    A pack given as a Python object (not a YAML file) cannot be inspected: it may say
    what its findings depend on with a ``fingerprint`` string attribute; without one it
    gets a token new in every run, so files validated with it are always validated again.
    """

    def __init__(self, packs: Sequence[Any]) -> None:
        self._packs: list[tuple[list[tuple[Any, str]] | None, str]] = []
        for pack in packs:
            rules = getattr(pack, "rules", None)
            disables = getattr(pack, "disables", None)
            if rules is None or disables is None:
                own = getattr(pack, "fingerprint", None)
                token = f"object:{own}" if isinstance(own, str) else secrets.token_hex(8)
                self._packs.append((None, token))
                continue
            hashed = [(r, _sha(_canon(r))) for r in rules]
            self._packs.append((hashed, _sha(_canon(disables))))
        self._cache: dict[tuple[str | None, str | None, str | None], str] = {}

    def __call__(self, iod: str | None, sop_class: str | None, modality: str | None) -> str:
        key = (iod, sop_class, modality)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        parts: list[Any] = []
        for hashed, pack_hash in self._packs:
            if hashed is None:
                parts.append(pack_hash)
                continue
            parts.append([pack_hash, [h for r, h in hashed if applies(r, *key)]])
        fp = self._cache[key] = _sha(parts) if parts else ""
        return fp


def cross_file_fingerprint(standard_fp: str, validator: Any) -> str:
    """What the cross-file findings depend on besides the files' digests: the standard
    and engine (``standard_fingerprint``) and the Validator's code policy (disabled
    codes, scoped suppressions, severity levels)."""
    policy = getattr(validator, "policy", None)
    state = None if policy is None else {
        "disabled": policy.disabled, "scoped": policy.scoped, "severity": policy.severity}
    return _sha("cross-file", standard_fp, _canon(state))

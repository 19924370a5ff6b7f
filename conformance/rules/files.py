"""Phase 1 of loading a rule pack: read its files, ``extends`` first (``builtin:NAME``
or paths relative to the extending file; cycles, missing files and depth are problems),
and collect problems with their file:line:column."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import RuleFileError
from conformance.rules.access import read_text, refused
from conformance.rules.builtin import is_builtin
from conformance.rules.builtin import resolve as builtin_file
from conformance.rules.schema import top_level_keys
from conformance.rules.yamlmarks import MDict, MList, mark_at

MAX_EXTENDS_DEPTH = 32


@dataclass(slots=True)
class PackFile:
    display: str        # the path as the user (or the extending file) named it
    real: Path
    doc: Any


class Problems:
    def __init__(self) -> None:
        self.items: list[RuleFileError] = []
        self.notes: list[RuleFileError] = []  # not errors: ``rules check`` prints them

    def note(self, msg: str, file: str, doc: Any = None, at: Iterable[Any] = ()) -> None:
        mark = mark_at(doc, list(at)) if doc is not None else None
        self.notes.append(RuleFileError(msg, file=file, line=mark.line if mark else None,
                                        column=mark.column if mark else None))

    def add(self, msg: str, file: str, doc: Any = None, at: Iterable[Any] = ()) -> None:
        mark = mark_at(doc, list(at)) if doc is not None else None
        self.items.append(RuleFileError(msg, file=file, line=mark.line if mark else None,
                                        column=mark.column if mark else None))

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            first.problems = list(self.items)  # type: ignore[attr-defined]
            raise first


# -- phase 1: read the files of a pack (extends first) ----------------------------------

def read_pack_files(display: str, chain: list[tuple[str, Path, int | None]],
                    done: dict[Path, PackFile], order: list[PackFile],
                    problems: Problems) -> None:
    """Read ``display`` and, first, the files it extends, appending them to ``order``."""
    from conformance.rules.yamlmarks import load_yaml

    try:
        if is_builtin(display):
            parent = chain[-1] if chain else None
            real = builtin_file(display, file=parent[0] if parent else None,
                                line=parent[2] if parent else None).resolve()
        else:
            real = Path(display).resolve()
    except RuleFileError as exc:
        problems.items.append(exc)
        return
    except (OSError, ValueError) as exc:  # e.g. a NUL byte in an extends entry
        parent = chain[-1] if chain else None
        problems.items.append(RuleFileError(
            f"not a usable file path {display!r}: {exc}",
            file=parent[0] if parent else display, line=parent[2] if parent else None))
        return
    if any(real == r for _, r, _ in chain):
        names = " -> ".join(d for d, _, _ in chain) + f" -> {display}"
        parent, _, line = chain[-1]
        problems.items.append(RuleFileError(f"extends cycle: {names}", file=parent, line=line))
        return
    if real in done:  # a diamond: the shared base is read once
        return
    if len(chain) > MAX_EXTENDS_DEPTH:
        problems.items.append(RuleFileError("extends nested too deep", file=display))
        return
    where = chain[-1] if chain else None
    if why := refused(real, chain):
        problems.items.append(RuleFileError(
            f"extends {display!r}: {why}",
            file=where[0] if where else display, line=where[2] if where else None))
        return
    try:
        text = read_text(real)
    except FileNotFoundError:
        problems.items.append(RuleFileError(
            f"rule file not found: {display}", file=where[0] if where else display,
            line=where[2] if where else None))
        return
    except (ValueError, OSError) as exc:  # too large or not UTF-8: content never quoted
        problems.items.append(RuleFileError(
            f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=display))
        return
    try:
        doc = load_yaml(text, display)
    except RuleFileError as exc:
        problems.items.append(exc)
        return
    if doc is None:
        problems.items.append(RuleFileError("empty rule file (expected a mapping with rules:)",
                                            file=display, line=1, column=1))
        return
    if not isinstance(doc, MDict):
        problems.add("top level: expected a mapping with rules:", display, doc)
        return
    if chain and not set(doc) <= top_level_keys():  # schema messages would quote values
        problems.items.append(RuleFileError("not a rule file (no rule file keys)", file=display))
        return
    f = PackFile(display, real, doc)
    done[real] = f
    extends = doc.get("extends")
    if isinstance(extends, MList):
        for i, rel in enumerate(extends):
            if not isinstance(rel, str):
                continue  # the schema reports it
            mark = extends.item_marks[i]
            if is_builtin(rel):
                child = rel
            else:  # relative to the extending file (a built-in pack: to its folder)
                base = str(real.parent) if is_builtin(display) else os.path.dirname(display)
                child = os.path.normpath(os.path.join(base, rel))
            read_pack_files(child, [*chain, (display, real, mark.line)], done, order, problems)
    order.append(f)

"""YAML loading that remembers where every key and value came from (line, column).

PyYAML's SafeLoader composes nodes with ``start_mark``; we build plain dicts and
lists from those nodes and keep the marks beside them, so schema and semantic errors
can name ``file:line:column``. Duplicate keys are an error (PyYAML keeps the last).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from conformance.errors import RuleFileError

MAX_FILE_BYTES = 1_000_000  # a rule file is hand-written; larger is a mistake or an attack
MAX_DEPTH = 64
MAX_NODES = 200_000  # aliases can multiply nodes ("billion laughs"); stop well before


@dataclass(frozen=True, slots=True)
class Mark:
    """1-based line and column of a node."""

    line: int
    column: int


class MDict(dict):  # type: ignore[type-arg]
    """A mapping with the mark of the mapping, of each key and of each value."""

    mark: Mark
    key_marks: dict[Any, Mark]
    value_marks: dict[Any, Mark]


class MList(list):  # type: ignore[type-arg]
    """A sequence with the mark of the sequence and of each item."""

    mark: Mark
    item_marks: list[Mark]


# libyaml's loader is ~10x faster and records the same marks
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Yaml12Loader(_BASE):  # type: ignore[valid-type,misc]
    """PyYAML reads plain scalars by YAML 1.1's rules, where ``NO``, ``YES``, ``ON``,
    ``off``, ``y`` are booleans, ``1:20`` is 80, ``010`` is 8 and ``2024-01-01`` a date:
    all ordinary DICOM values (Burned In Annotation ``NO``). Rule files are read by the
    YAML 1.2 core schema instead: only ``true``/``false`` are booleans, only ``null``/``~``
    and the empty value are null, numbers are decimal (or ``0o``/``0x``), no timestamps."""


_Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
     "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
):
    _Yaml12Loader.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))


def _int12(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)  # "010" is ten in YAML 1.2 (eight in 1.1)


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int12)
_LOADER: type[yaml.SafeLoader] = _Yaml12Loader


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into MDict/MList/scalars; RuleFileError on any problem."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise RuleFileError(f"file is larger than {MAX_FILE_BYTES} bytes", file=file)
    try:
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            return _build(node, loader, file, 0, [0])
        finally:
            loader.dispose()
    except RuleFileError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise RuleFileError(f"invalid YAML: {problem}", file=file,
                            line=mark.line + 1 if mark else None,
                            column=mark.column + 1 if mark else None) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise RuleFileError(f"invalid YAML: {exc}", file=file) from None


def _build(node: yaml.Node, loader: yaml.SafeLoader, file: str, depth: int,
           count: list[int]) -> Any:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise RuleFileError(f"more than {MAX_NODES} YAML nodes (alias expansion?)", file=file)
    if depth > MAX_DEPTH:
        m = _mark(node)
        raise RuleFileError(f"nested deeper than {MAX_DEPTH} levels", file=file,
                            line=m.line, column=m.column)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # merge keys (<<) as SafeLoader does
        out = MDict()
        out.mark = _mark(node)
        out.key_marks, out.value_marks = {}, {}
        for knode, vnode in node.value:
            key = _build(knode, loader, file, depth + 1, count)
            km = _mark(knode)
            if isinstance(key, (dict, list)):
                raise RuleFileError("a mapping key must be a plain value", file=file,
                                    line=km.line, column=km.column)
            if key in out:
                first = out.key_marks[key]
                raise RuleFileError(f"duplicate key {key!r} (first at line {first.line})",
                                    file=file, line=km.line, column=km.column)
            out[key] = _build(vnode, loader, file, depth + 1, count)
            out.key_marks[key] = km
            out.value_marks[key] = _mark(vnode)
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = MList(_build(v, loader, file, depth + 1, count) for v in node.value)
        seq.mark = _mark(node)
        seq.item_marks = [_mark(v) for v in node.value]
        return seq
    return loader.construct_object(node, deep=True)


def mark_at(doc: Any, path: Sequence[Any]) -> Mark | None:
    """The mark of the value at ``path`` (keys / indexes) in a loaded document."""
    best: Mark | None = getattr(doc, "mark", None)
    cur = doc
    for key in path:
        if isinstance(cur, MDict) and key in cur:
            best = cur.value_marks.get(key, best)
            cur = cur[key]
        elif isinstance(cur, MList) and isinstance(key, int) and 0 <= key < len(cur):
            best = cur.item_marks[key]
            cur = cur[key]
        else:
            break
    return best


def key_mark(doc: Any, path: Sequence[Any], key: Any) -> Mark | None:
    """The mark of ``key`` inside the mapping at ``path`` (for unknown-key errors)."""
    cur = doc
    for k in path:
        try:
            cur = cur[k]
        except (KeyError, IndexError, TypeError):
            return mark_at(doc, path)
    if isinstance(cur, MDict) and key in cur:
        return cur.key_marks.get(key)
    return mark_at(doc, path)

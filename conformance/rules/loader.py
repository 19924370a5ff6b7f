"""Load rule files: YAML with marks, schema, ``extends``, ``params``, compile to a pack.

A file that does not load raises RuleFileError (file:line:column); the error's
``problems`` attribute lists every problem found in the files, for ``rules check``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import StandardDataError
from conformance.rules.files import PackFile, Problems, read_pack_files
from conformance.rules.opbase import COMBINATORS, ArgError
from conformance.rules.operators import REGISTRY, Combo, Leaf, Node
from conformance.rules.paths import PathError, Target, parse_target, pydicom_keyword
from conformance.rules.policy import Suppress, compile_policy
from conformance.rules.schema import schema_errors
from conformance.rules.scope import (
    Issue,
    check_iods,
    check_modalities,
    check_sop_classes,
    did_you_mean,
)
from conformance.rules.when import WhenError, to_expr
from conformance.rules.yamlmarks import MDict, MList, mark_at

MESSAGE_FIELDS = frozenset(("keyword", "tag", "value", "found", "count", "path", "expected",
                            "id", "why"))
_PARAM = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule; ``file`` and ``line`` say where it was written."""

    id: str
    severity: str
    message: str
    description: str
    check: Node
    file: str
    line: int
    when: dict[str, Any] | None = None
    iods: frozenset[str] | None = None
    sop_classes: frozenset[str] | None = None
    modalities: frozenset[str] | None = None
    per: str | None = None  # "private_block": one finding per private block, with a count


@dataclass(frozen=True, slots=True)
class Disable:
    code: str
    reason: str
    file: str
    line: int


# -- phase 2: parameters ------------------------------------------------------------------

def _substitute(node: Any, params: Mapping[str, Any], f: PackFile, at: tuple[Any, ...],
                problems: Problems) -> Any:
    if isinstance(node, MDict):
        for k in list(node):
            if at == () and k == "params":
                continue
            node[k] = _substitute(node[k], params, f, (*at, k), problems)
        return node
    if isinstance(node, MList):
        for i in range(len(node)):
            node[i] = _substitute(node[i], params, f, (*at, i), problems)
        return node
    if not isinstance(node, str) or "${" not in node:
        return node
    whole = _PARAM.fullmatch(node)
    names = [m.group(1) for m in _PARAM.finditer(node)]
    for n in names:
        if n not in params:
            known = ", ".join(sorted(params)) or "none"
            problems.add(f"unknown parameter ${{{n}}} (params: {known})", f.display, f.doc, at)
            return node
    if whole:
        return params[whole.group(1)]
    def text(m: re.Match[str]) -> str:
        v = params[m.group(1)]
        if isinstance(v, list):
            problems.add(f"parameter ${{{m.group(1)}}} is a list; it can only stand alone",
                         f.display, f.doc, at)
            return m.group(0)
        return str(v)
    return _PARAM.sub(text, node)


# -- phase 3: compile ---------------------------------------------------------------------

class _Compiler:
    def __init__(self, standard: Any, problems: Problems) -> None:
        self.std = standard
        self.problems = problems

    def keyword(self, kw: str) -> str | None:
        if self.std is not None:
            entry = self.std.dictionary.by_keyword(kw)
            if entry is not None and "x" not in entry.tag:
                return entry.tag  # type: ignore[no-any-return]
        return pydicom_keyword(kw)

    def target(self, text: Any, f: PackFile, at: tuple[Any, ...]) -> Target | None:
        try:
            return parse_target(str(text), self.keyword)
        except PathError as exc:
            self.problems.add(f"target {text!r}: {exc}", f.display, f.doc, at)
            return None

    def check(self, node: Any, f: PackFile, at: tuple[Any, ...]) -> Node | None:
        (op, arg), = node.items()
        here = (*at, op)
        if op in ("all", "any"):
            kids = [self.check(c, f, (*here, i)) for i, c in enumerate(arg)]
            return None if None in kids else Combo(op, tuple(k for k in kids if k is not None))
        if op == "not":
            kid = self.check(arg, f, here)
            return None if kid is None else Combo("not", (kid,))
        operator = REGISTRY.get(op)
        if operator is None:
            self.problems.add(f"unknown operator {op!r}{did_you_mean(op, operators())}",
                              f.display, f.doc, here)
            return None
        spec = arg if isinstance(arg, dict) else {"target": arg}
        tat = (*here, "target") if isinstance(arg, dict) else here
        tgt = self.target(spec["target"], f, tat)
        if tgt is None:
            return None
        if operator.needs_sequence and len(tgt.steps) < 2:
            self.problems.add(f"{op} needs a target inside a sequence "
                              f"(like SomeSequence[*].Attribute)", f.display, f.doc, tat)
            return None
        try:
            value = operator.compile(spec)
        except ArgError as exc:
            at = here if exc.key is None else (*here, exc.key)
            self.problems.add(str(exc), f.display, f.doc, at)
            return None
        return Leaf(op, tgt, value, operator.expected(value))

    def rule(self, raw: Mapping[str, Any], f: PackFile, at: tuple[Any, ...]) -> Rule | None:
        ok = self._template(raw["message"], f, (*at, "message"))
        check = self.check(raw["check"], f, (*at, "check"))
        when = None
        if "when" in raw:
            try:
                when = to_expr(raw["when"], lambda t, a: parse_target(t, self.keyword),
                               (*at, "when"))
            except WhenError as exc:
                self.problems.add(f"when: {exc}", f.display, f.doc, exc.at)
                ok = False
        scope = raw.get("applies_to") or {}
        scoped = (*at, "applies_to")
        iods = self._scope(check_iods, scope.get("iods"), f, (*scoped, "iods"))
        modalities = self._scope(check_modalities, scope.get("modalities"), f,
                                 (*scoped, "modalities"))
        sops = self._scope(check_sop_classes, scope.get("sop_classes"), f,
                           (*scoped, "sop_classes"))
        if check is None or not ok or _BAD in (iods, modalities, sops):
            return None
        mark = mark_at(f.doc, list(at))
        return Rule(
            id=raw["id"], severity=raw["severity"], message=raw["message"],
            description=raw.get("description", ""), check=check, file=f.display,
            line=mark.line if mark else 0, when=when, iods=iods, sop_classes=sops,
            modalities=modalities, per=raw.get("per"),
        )

    def _scope(self, check: Callable[[Any, Any], tuple[frozenset[str], list[Issue]]],
               values: Any, f: PackFile, at: tuple[Any, ...]) -> Any:
        """An ``applies_to`` list checked by ``scope``: errors fail the rule, notes are
        kept for ``rules check``."""
        if values is None:
            return None
        out, issues = check(values, self.std)
        bad = False
        for kind, msg, i in issues:
            if kind == "error":
                self.problems.add(f"applies_to: {msg}", f.display, f.doc, (*at, i))
                bad = True
            else:
                self.problems.note(f"applies_to: {msg}", f.display, f.doc, (*at, i))
        return _BAD if bad else out

    def _template(self, text: str, f: PackFile, at: tuple[Any, ...]) -> bool:
        try:
            parts = [p for p in string.Formatter().parse(text) if p[1] is not None]
        except ValueError as exc:
            self.problems.add(f"message template: {exc} (write {{{{ and }}}} for braces)",
                              f.display, f.doc, at)
            return False
        if fancy := [p for p in parts if p[2]]:  # {value:>1000000000}: 1 GB per finding
            self.problems.add(f"message template: {{{fancy[0][1]}:{fancy[0][2]}}}: only plain "
                              "{name} fields", f.display, f.doc, at)
            return False
        if converted := [p for p in parts if p[3]]:
            name, conv = converted[0][1], converted[0][3]
            self.problems.add(f"message template: {{{name}!{conv}}}: only plain {{name}} "
                              f"fields (write '{{{name}}}' to quote it)", f.display, f.doc, at)
            return False
        fields = [p[1] for p in parts]
        bad = [x for x in fields if x not in MESSAGE_FIELDS]
        if bad:
            self.problems.add(f"message template: unknown field {{{bad[0]}}}; "
                              f"use {', '.join('{' + m + '}' for m in sorted(MESSAGE_FIELDS))}",
                              f.display, f.doc, at)
            return False
        return True


_BAD = object()


def operators() -> tuple[str, ...]:
    """Every ``check:`` operator name, then the combinators."""
    return (*sorted(REGISTRY), *COMBINATORS)


OPERATORS = operators()  # the built-in ones


def _standard(standard: Any) -> Any:
    if standard is None or isinstance(standard, str | Path):
        from conformance.standard import load_standard

        try:
            return load_standard(standard)
        except StandardDataError:
            if standard is not None:
                raise
            return None  # no bundled data: keywords resolve through pydicom only
    return standard


def _known_codes() -> set[str]:
    from conformance.catalogue import aliases_of
    from conformance.engine.registry import all_codes

    # the registered checks' and the engine's own, and former names of split codes
    return all_codes() | set(aliases_of())


def compile_files(path: str | Path, standard: Any = None
                  ) -> tuple[tuple[Rule, ...], tuple[Disable, ...], dict[str, Any],
                             tuple[str, ...], tuple[str, ...], dict[str, str],
                             tuple[Suppress, ...]]:
    """Rules, disables, merged params, file list, notes (``file:line: text`` of what is
    legal but suspicious), ``severity:`` levels and ``suppress:`` entries of the pack
    rooted at ``path``."""
    problems = Problems()
    order: list[PackFile] = []
    read_pack_files(str(path), [], {}, order, problems)
    problems.raise_if_any()
    params: dict[str, Any] = {}
    for f in order:  # bases first, so the extending file's values win
        for k, v in (f.doc.get("params") or {}).items() if isinstance(
                f.doc.get("params"), dict) else ():
            params[k] = v
    for f in order:
        _substitute(f.doc, params, f, (), problems)
        problems.items.extend(schema_errors(f.doc, f.display))
    problems.raise_if_any()
    std = _standard(standard)
    comp = _Compiler(std, problems)
    rules: list[Rule] = []
    first_at: dict[str, tuple[str, int]] = {}
    disables: list[Disable] = []
    known = _known_codes()
    for f in order:
        for i, raw in enumerate(f.doc.get("rules") or []):
            at = ("rules", i)
            rid = raw["id"]
            mark = mark_at(f.doc, [*at, "id"])
            if rid in first_at:
                other = first_at[rid]
                problems.add(f"duplicate rule id {rid!r} (first defined at {other[0]}:{other[1]})",
                             f.display, f.doc, (*at, "id"))
                continue
            if rid in known:
                problems.add(f"rule id {rid!r} is a standard check code; choose another id",
                             f.display, f.doc, (*at, "id"))
                continue
            first_at[rid] = (f.display, mark.line if mark else 0)
            rule = comp.rule(raw, f, at)
            if rule is not None:
                rules.append(rule)
    for f in order:
        for i, d in enumerate(f.doc.get("disable") or []):
            code = d["code"]
            mark = mark_at(f.doc, ["disable", i])
            if code not in known and code not in first_at:
                hint = did_you_mean(str(code), [*known, *first_at])
                problems.add(f"disable: unknown code {code!r}{hint} (not a standard check "
                             f"code nor a rule id of this pack)", f.display, f.doc,
                             ("disable", i, "code"))
                continue
            disables.append(Disable(code, str(d["reason"]).strip(), f.display,
                                    mark.line if mark else 0))
    levels, suppress = compile_policy(
        order, problems.add, comp.keyword, std.find_iod if std is not None else None,
        known, set(first_at))
    problems.raise_if_any()
    return (tuple(rules), tuple(disables), params, tuple(f.display for f in order),
            tuple(str(n) for n in problems.notes), levels, suppress)

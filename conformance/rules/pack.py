"""A loaded rule pack: the engine's ``rules=`` protocol (``evaluate`` + ``disabled_codes``)."""

from __future__ import annotations

import dataclasses
import os
import string
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.conditions.context import EvalContext
from conformance.engine.finding import Finding
from conformance.engine.path import ElementPath
from conformance.engine.presence import module_present_fn
from conformance.rules.builtin import is_builtin
from conformance.rules.builtin import resolve as builtin_file
from conformance.rules.loader import Disable, Rule, compile_files
from conformance.rules.operators import Hit, run, show, values_of
from conformance.rules.paths import Slot, Target, resolve_slots
from conformance.rules.policy import Suppress
from conformance.rules.regexguard import RegexTimeout
from conformance.tags import tag_display

BINARY_VRS = frozenset(("OB", "OD", "OF", "OL", "OV", "OW", "UN"))


class _Fields(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:  # fields are checked at load time
        return "{" + key + "}"


@dataclass(eq=False)
class LoadedPack:
    """Rules of one file and the files it extends; picklable, read-only after loading.

    Findings: ``code`` = the rule id, ``source`` = ``"<file>#<rule id>"``, ``line`` = the
    rule's line. ``disabled_codes`` maps each disabled code to its reason (and where the
    pack says so), so the report shows the suppression.
    """

    path: str
    rules: tuple[Rule, ...]
    disables: tuple[Disable, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    severity_levels: dict[str, str] = field(default_factory=dict)  # ``severity:``
    suppressions: tuple[Suppress, ...] = ()  # ``suppress:``
    notes: tuple[str, ...] = ()  # legal but suspicious (``rules check`` prints them)

    @classmethod
    def load(cls, path: str | Path, standard: Any = None) -> LoadedPack:
        rules, disables, params, files, notes, levels, suppress = compile_files(path,
                                                                                standard)
        return cls(str(path), rules, disables, params, files, levels, suppress, notes)

    @property
    def disabled_codes(self) -> dict[str, str]:
        return {d.code: f"{d.reason} ({d.file}:{d.line})" for d in self.disables}

    def __repr__(self) -> str:
        return f"LoadedPack({self.path!r}, {len(self.rules)} rules)"

    # -- evaluation ---------------------------------------------------------------------
    def evaluate(self, ctx: Any) -> Iterator[Finding]:
        root = ctx.dataset
        slots: dict[Target, list[Slot]] = {}

        def slots_of(t: Target) -> list[Slot]:
            got = slots.get(t)
            if got is None:
                got = slots[t] = list(resolve_slots(root, t))
            return got

        ectx = EvalContext(item=root, root=root, module_present=module_present_fn(ctx))
        modality = _modality(root)
        for rule in self.rules:
            try:
                if not applies(rule, ctx.iod, ctx.sop_class_uid, modality):
                    continue
                if rule.when is not None and ctx.evaluate(rule.when, ectx) is not True:
                    continue  # False, or undecidable: the rule does not apply
                outcome = run(rule.check, slots_of)
                if outcome.result is False:
                    yield from self._findings(rule, ctx, outcome.failed)
            except RegexTimeout as exc:  # not decided: said, never a silent pass
                f = ctx.finding("rule-not-decided", "warning",
                                f"rule {rule.id} could not be decided: {exc}")
                yield dataclasses.replace(f, source=f"{rule.file}#{rule.id}", line=rule.line)
            except Exception as exc:  # noqa: BLE001 - one broken rule must not stop others
                f = ctx.finding("internal-error", "error",
                                f"rule {rule.id} failed: {type(exc).__name__}: {exc}")
                yield dataclasses.replace(f, source=f"{rule.file}#{rule.id}", line=rule.line)

    def _findings(self, rule: Rule, ctx: Any, hits: Iterable[Hit]) -> Iterator[Finding]:
        if rule.per == "private_block":
            hits, counts = _per_private_block(hits)
        else:
            counts = {}
        seen: set[tuple[str, str]] = set()
        emitted = False
        for hit in hits:
            f = _finding(rule, ctx, hit, counts.get(id(hit), 1))
            key = (f.path, f.message)
            if key in seen:
                continue
            seen.add(key)
            emitted = True
            yield f
        if not emitted:
            yield _finding(rule, ctx, Hit(None, None))


def _modality(ds: Any) -> str | None:
    """The dataset's Modality (0008,0060) as ``applies_to: modalities`` compares it."""
    try:
        v = ds.get(0x00080060)
        return str(v.value).strip(" \x00") if v is not None and v.value else None
    except Exception:  # noqa: BLE001
        return None


modality_of = _modality  # public: incremental runs record a file's Modality this way


def applies(rule: Rule, iod: str | None, sop_class: str | None, modality: str | None) -> bool:
    """The rule's ``applies_to``: whether it runs on a dataset of this IOD, SOP Class
    and Modality (incremental runs use it to tell which files a changed rule affects)."""
    if rule.iods is not None and iod not in rule.iods:
        return False
    if rule.sop_classes is not None and sop_class not in rule.sop_classes:
        return False
    return rule.modalities is None or modality in rule.modalities


def _block_of(tag: int) -> tuple[int, int] | None:
    """(group, block number) of a private element or Private Creator (PS3.5 7.8.1)."""
    group, elem = tag >> 16, tag & 0xFFFF
    if not group & 1:
        return None
    if 0x0010 <= elem <= 0x00FF:
        return group, elem
    if elem >= 0x1000:
        return group, elem >> 8
    return None


def _per_private_block(hits: Iterable[Hit]) -> tuple[list[Hit], dict[int, int]]:
    """The first hit of each private block (per sequence item) and how many hits each
    block had: a vendor block of 200 elements is one finding, not 200."""
    first: dict[tuple[Any, ...], Hit] = {}
    counts: dict[tuple[Any, ...], int] = {}
    out: list[Hit] = []
    for hit in hits:
        slot = hit.slot
        block = _block_of(slot.tag) if slot is not None else None
        if slot is None or block is None:
            out.append(hit)
            continue
        key = (slot.trail, block)
        if key not in first:
            first[key] = hit
            out.append(hit)
        counts[key] = counts.get(key, 0) + 1
    by_hit = {id(h): counts[k] for k, h in first.items()}
    return out, by_hit


def found_text(hit: Hit) -> str:
    """What the target holds, for ``{found}``: absent, empty, a binary value, a sequence,
    or the value."""
    slot = hit.slot
    if slot is None or slot.element is None:
        return "absent"
    el = slot.element
    if el.VR == "SQ":
        n = len(el.value or ())
        return "an empty sequence" if n == 0 else f"a sequence of {n} item{'s' * (n != 1)}"
    vals = values_of(el)
    if vals is None or (el.VR in BINARY_VRS and el.value):
        size = len(el.value) if isinstance(el.value, bytes | bytearray) else None
        return f"a binary value ({size} bytes)" if size is not None else "a binary value"
    if not vals:
        return "empty"
    return repr(show(vals))


def _finding(rule: Rule, ctx: Any, hit: Hit, count: int = 1) -> Finding:
    where: ElementPath | None = None
    tag: int | None = None
    if hit.slot is not None:
        for seq, idx in hit.slot.trail:
            where = ElementPath(where, seq, idx)
        tag = hit.slot.tag
    leaf = hit.leaf
    base = ctx.finding(rule.id, rule.severity, "", where=where, tag=tag)
    keyword = base.keyword or (leaf.target.text if leaf else "")
    block = _block_of(tag) if rule.per == "private_block" and tag is not None else None
    if leaf is not None and "x" in leaf.target.tag and hit.slot is not None \
            and hit.slot.element is None:
        shown_tag = tag_display(leaf.target.tag)
        keyword = leaf.target.text
    elif block is not None:  # the block: (gggg,bbxx)
        shown_tag = f"({block[0]:04X},{block[1]:02X}xx)"
    else:
        shown_tag = tag_display(tag) if tag is not None else ""
    fields = _Fields(keyword=keyword, tag=shown_tag, value=hit.value, found=found_text(hit),
                     count=count,
                     path=base.keyword_path or keyword, expected=leaf.expected if leaf else "",
                     id=rule.id, why=hit.why)
    message = render(rule.message, fields)
    return dataclasses.replace(base, message=message, source=f"{rule.file}#{rule.id}",
                               line=rule.line, reference=None)


MAX_FIELD = 1024  # characters of one substituted field (a value may be megabytes)


def render(template: str, fields: Any) -> str:
    """``template`` with its ``{name}`` fields filled in; format specs and conversions
    (refused when the file loads) are never applied, and each field is cut to
    ``MAX_FIELD`` characters."""
    out: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            text = str(fields[name])
            out.append(text if len(text) <= MAX_FIELD else text[:MAX_FIELD] + "...")
    return "".join(out)


# Loaded packs by (rule file, standard), with the stamps of every file they were read
# from: a pipeline calling ``conformance.validate(ds, rules=[path])`` per dataset must not
# parse the YAML again each time (the de-identification pack takes ~0.25 s to load).
_PACKS: dict[tuple[str, str, str], tuple[LoadedPack, tuple[tuple[str, int, int], ...]]] = {}
_PACKS_LOCK = threading.Lock()
_PACKS_MAX = 64


def _stamps(files: Iterable[str]) -> tuple[tuple[str, int, int], ...] | None:
    out = []
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            return None
        out.append((f, st.st_mtime_ns, st.st_size))
    return tuple(out)


def load_pack(path: str | os.PathLike[str], standard: Any = None) -> LoadedPack:
    """Load the rule file at ``path`` (and what it extends); RuleFileError if it is bad.

    A pack is read-only once loaded, so one whose files have not changed since is reused.
    """
    try:
        where = builtin_file(str(path)) if is_builtin(str(path)) else Path(path)
        # the name as given too: findings' source says builtin:NAME or the path
        key = (str(path), str(where.resolve()), str(getattr(standard, "path", standard)))
    except (OSError, ValueError):  # a path the OS cannot take: the loader says why
        return LoadedPack.load(path, standard)
    with _PACKS_LOCK:
        hit = _PACKS.get(key)
    if hit is not None and _stamps(f for f, _, _ in hit[1]) == hit[1]:
        return hit[0]
    pack = LoadedPack.load(path, standard)
    stamps = _stamps(str(builtin_file(f)) if is_builtin(f) else os.path.abspath(f)
                     for f in pack.files)  # as of the cwd it was read in
    if stamps is not None:
        with _PACKS_LOCK:
            if len(_PACKS) >= _PACKS_MAX:
                _PACKS.clear()
            _PACKS[key] = (pack, stamps)
    return pack


def as_pack(obj: Any, standard: Any = None) -> Any:
    """``rules=`` items: a path (str or PathLike) is loaded; anything else is returned as is."""
    if isinstance(obj, str | os.PathLike):
        return load_pack(obj, standard)
    return obj

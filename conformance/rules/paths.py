"""Rule targets: keyword or tag paths through sequences, resolved against a dataset.

Syntax: steps joined by ``.``; a step is a keyword (``SeriesInstanceUID``) or a tag
(``(0020,000E)`` or ``0020000E``); a sequence step may carry ``[*]`` (every item, the
default when no index is given) or ``[N]`` (0-based item N, as in finding paths). The
last step may be a tag mask with ``x`` digits (``(0009,10xx)``): every element of the
mask counts as the target.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from conformance.tags import TagPattern

_STEP = re.compile(
    r"(?:(?P<kw>[A-Za-z][A-Za-z0-9]*)"
    r"|\((?P<g>[0-9A-Fa-fxX]{4}),(?P<e>[0-9A-Fa-fxX]{4})\)"
    r"|(?P<t8>[0-9A-Fa-fxX]{8}))"
    r"(?:\[(?P<idx>\*|\d{1,6})\])?"
)

Resolver = Callable[[str], str | None]  # keyword -> 8-hex tag


class PathError(ValueError):
    """A target path that does not parse or names an unknown keyword."""


@dataclass(frozen=True, slots=True)
class Step:
    tag: str            # 8 hex digits, x allowed (last step only)
    index: int | None   # None: every item


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed target; ``text`` is what the rule author wrote."""

    text: str
    steps: tuple[Step, ...]

    @property
    def tag(self) -> str:
        return self.steps[-1].tag

    @property
    def has_wildcard(self) -> bool:
        return any(s.index is None for s in self.steps[:-1])

    def ref_path(self) -> list[str] | None:
        """The condition language's ``path`` (sequence tags then the final tag)."""
        return [s.tag for s in self.steps] if len(self.steps) > 1 else None


def pydicom_keyword(keyword: str) -> str | None:
    """Tag of a keyword in pydicom's dictionary (``"00100010"``) or None."""
    t = tag_for_keyword(keyword)
    return None if t is None else f"{t:08X}"


def did_you_mean_keyword(keyword: str) -> str:
    """``"; did you mean ConvolutionKernel?"`` (closest data dictionary keywords) or ``""``."""
    from pydicom.datadict import keyword_dict

    # a case mistake first: difflib counts every changed letter
    close = [k for k in keyword_dict if k.lower() == keyword.lower()][:1]
    close = close or difflib.get_close_matches(keyword, list(keyword_dict), n=1, cutoff=0.75)
    return f"; did you mean {close[0]}?" if close else ""


def parse_target(text: str, resolve: Resolver = pydicom_keyword) -> Target:
    """Parse ``text``; PathError with the reason when it is not a valid target."""
    steps: list[Step] = []
    pos = 0
    text = text.strip()
    while True:
        m = _STEP.match(text, pos)
        if m is None:
            raise PathError(f"cannot read a keyword or (gggg,eeee) tag at {text[pos:]!r}")
        if m["kw"]:
            tag = resolve(m["kw"])
            if tag is None:
                raise PathError(f"unknown keyword {m['kw']!r}{did_you_mean_keyword(m['kw'])}")
        else:
            digits = (m["g"] + m["e"]) if m["g"] else m["t8"]
            tag = "".join("x" if c in "xX" else c.upper() for c in digits)
        idx = m["idx"]
        steps.append(Step(tag, None if idx in (None, "*") else int(idx)))
        pos = m.end()
        if pos == len(text):
            break
        if text[pos] != ".":
            raise PathError(f"expected '.' between steps at {text[pos:]!r}")
        pos += 1
    for s in steps[:-1]:
        if "x" in s.tag:
            raise PathError("a tag mask (x digits) is only allowed in the last step")
    if steps[-1].index is not None:
        raise PathError("the last step names the attribute; an item index makes no sense there")
    return Target(text, tuple(steps))


@dataclass(frozen=True, slots=True)
class Slot:
    """One place a target points at: the holding dataset and the element (None: absent).

    ``trail`` is ((sequence tag, item index), ...) from the root, for finding paths.
    """

    holder: Dataset
    tag: int
    element: DataElement | None
    trail: tuple[tuple[int, int], ...]


def _find(ds: Dataset, tag: str) -> list[tuple[int, DataElement]]:
    if "x" not in tag:
        t = int(tag, 16)
        return [(t, ds[t])] if t in ds else []
    pat = TagPattern.of(tag)
    tags = list(ds.keys())  # iterating a Dataset yields elements, not tags
    return [(int(k), ds[k]) for k in tags if pat.matches(int(k))]


def resolve_slots(root: Dataset, target: Target) -> Iterator[Slot]:
    """Every slot the target names; an absent intermediate sequence yields nothing."""
    level: list[tuple[Dataset, tuple[tuple[int, int], ...]]] = [(root, ())]
    for step in target.steps[:-1]:
        nxt: list[tuple[Dataset, tuple[tuple[int, int], ...]]] = []
        t = int(step.tag, 16)
        for ds, trail in level:
            el = ds.get(t)
            if el is None or el.VR != "SQ" or not el.value:
                continue
            items = list(enumerate(el.value))
            if step.index is not None:
                items = [(i, it) for i, it in items if i == step.index]
            nxt.extend((it, (*trail, (t, i))) for i, it in items)
        level = nxt
    last = target.steps[-1].tag
    for ds, trail in level:
        found = _find(ds, last)
        if found:
            for t, el in found:
                yield Slot(ds, t, el, trail)
        else:  # absent; a mask stands for its lowest tag
            yield Slot(ds, int(last.replace("x", "0"), 16), None, trail)

"""Our engine's findings next to dciodvfy's, as ``(code, tag)`` keys (test + benchmark)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import dciodvfy_map as dm  # type: ignore[import-not-found]


@dataclass
class FileComparison:
    """One file: the keys each side reports, and the texts to explain them."""

    name: str
    path: str
    dciodvfy: dm.Result
    report: Any
    dv_keys: set[dm.Key] = field(default_factory=set)
    our_keys: set[dm.Key] = field(default_factory=set)

    @property
    def dv_only(self) -> set[dm.Key]:
        return self.dv_keys - self.our_keys

    @property
    def ours_only(self) -> set[dm.Key]:
        return self.our_keys - self.dv_keys

    def dv_text(self, key: dm.Key) -> str:
        for m in self.dciodvfy.messages:
            if (m.code, m.tag) == key or (key[0] == "module-missing" and m.module
                                          and dm.module_key(m.module) == key[1]):
                return m.text
        return ""

    def our_text(self, key: dm.Key) -> str:
        for f in self.report.findings:
            k = our_key(f)
            if k == key or (k is not None and k[1] == key[1]
                            and _TYPE_TWINS.get(k[0]) == key[0]):
                return f"{f.path or '-'}: {f.message}"
        return ""


# Our codes for facts dciodvfy files under one of its own codes: a Group Length
# (gggg,0000) outside group 0002 is retired (PS3.5 7.2), which dciodvfy reports as
# "Retired attribute"; a UID that breaks the PS3.5 9.1 syntax (our uid-invalid errors;
# its warnings are about the ISO/IEC 9834-1 root arc, which dciodvfy does not check) is
# "Value invalid for this VR" there.
SAME_FACT = {"group-length": "retired", "uid-invalid": "vr-invalid"}

# The same missing attribute, typed 1 or 2 by one side and 1C or 2C by the other: the
# two tables (dciodvfy's edition, the bundled 2020 one) disagree on the Type letter, not
# on the fact that the attribute is required here and absent.
_TYPE_TWINS = {"type1-missing": "type1c-missing", "type1c-missing": "type1-missing",
               "type2-missing": "type2c-missing", "type2c-missing": "type2-missing"}


def our_key(f: Any) -> dm.Key | None:
    """The comparison key of one of our findings (None when dciodvfy has no such code)."""
    if f.code == "module-missing":
        return ("module-missing", dm.module_key(f.module or ""))
    if f.code == "uid-invalid" and f.severity != "error":
        return None
    if f.code == "iod-unknown":
        return ("iod-unknown", None)  # dciodvfy's "Information Object Not found" has no tag
    if f.code == "pixel-data" and f.tag == "00280004":
        # a Photometric Interpretation the Transfer Syntax's PS3.5 8.2 table does not
        # allow: dciodvfy says "Unrecognized enumerated value" of (0028,0004)
        return ("enum-value", "00280004")
    code = SAME_FACT.get(f.code, f.code)
    if code in dm.COMPARED:
        return (code, f.tag)
    return None


def align_types(dv_keys: set[dm.Key], our_keys: set[dm.Key]) -> set[dm.Key]:
    """``our_keys`` with a missing-attribute key renamed to dciodvfy's Type letter when
    dciodvfy reports the same tag missing under the twin code and we do not."""
    out = set(our_keys)
    for code, tag in our_keys:
        twin = _TYPE_TWINS.get(code)
        if twin and (twin, tag) in dv_keys and (code, tag) not in dv_keys \
                and (twin, tag) not in our_keys:
            out.discard((code, tag))
            out.add((twin, tag))
    return out


def fold_item_count_vm(dv_keys: set[dm.Key]) -> set[dm.Key]:
    """dciodvfy reports a sequence with too few Items twice: "Bad Sequence number of
    Items" and "Bad attribute Value Multiplicity" (its module files give a sequence's Item
    count as its VM, ``VM="1-n"``). Both are one fact, our ``item-count``: the VM key of a
    tag that also has an item-count key is dropped."""
    counted = {tag for code, tag in dv_keys if code == "item-count"}
    return {k for k in dv_keys if not (k[0] == "vm-invalid" and k[1] in counted)}


def compare(name: str, path: str, validator: Any) -> FileComparison:
    """Run both validators on ``path``."""
    result = dm.run(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's value warnings are findings here
        report = validator.validate(path)
    cmp = FileComparison(name, path, result, report)
    if result.crashed:
        return cmp
    missing = [f.module for f in report.findings if f.code == "module-missing" and f.module]
    dv_keys, _ = dm.reconcile_modules(result.messages, missing)
    cmp.dv_keys = fold_item_count_vm(dv_keys)
    ours = {k for f in report.findings if (k := our_key(f)) is not None}
    cmp.our_keys = align_types(cmp.dv_keys, ours)
    return cmp

"""Comparison keys of our findings (no dciodvfy needed): same-fact codes, Type twins."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from compare import align_types, fold_item_count_vm, our_key  # noqa: E402

from conformance.engine.finding import Finding  # noqa: E402


def _f(code: str, tag: str | None = "00080018", severity: str = "error") -> Finding:
    return Finding(code=code, severity=severity, message="m", tag=tag)  # type: ignore[arg-type]


def test_group_length_is_dciodvfys_retired() -> None:
    assert our_key(_f("group-length", "00080000", "warning")) == ("retired", "00080000")


def test_only_uid_syntax_errors_are_vr_invalid() -> None:
    assert our_key(_f("uid-invalid")) == ("vr-invalid", "00080018")
    # The ISO/IEC 9834-1 root-arc warning is no VR rule: dciodvfy has nothing like it.
    assert our_key(_f("uid-invalid", severity="warning")) is None


def test_iod_unknown_has_no_tag_like_dciodvfys() -> None:
    assert our_key(_f("iod-unknown", "00080016")) == ("iod-unknown", None)


def test_codes_dciodvfy_lacks_have_no_key() -> None:
    assert our_key(_f("condition-not-checked", severity="info")) is None


def test_type_letter_follows_dciodvfy_only_for_the_same_tag() -> None:
    dv = {("type1-missing", "52009230"), ("type2-missing", "00080070")}
    ours = {("type1c-missing", "52009230"), ("type2c-missing", "00081090")}
    got = align_types(dv, ours)
    assert got == {("type1-missing", "52009230"), ("type2c-missing", "00081090")}


def test_type_twins_left_alone_when_both_sides_report_both() -> None:
    dv = {("type1-missing", "00280008"), ("type1c-missing", "00280008")}
    ours = {("type1c-missing", "00280008")}
    assert align_types(dv, ours) == ours


def test_dciodvfys_item_count_vm_twin_is_one_fact() -> None:
    dv = {("item-count", "00400275"), ("vm-invalid", "00400275"), ("vm-invalid", "00280030")}
    assert fold_item_count_vm(dv) == {("item-count", "00400275"), ("vm-invalid", "00280030")}

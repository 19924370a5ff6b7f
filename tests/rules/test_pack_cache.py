"""Loaded rule packs are reused while none of their files changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydicom.dataset import Dataset

import conformance
from conformance.errors import RuleFileError
from conformance.rules import load_pack

BASE = """version: 1
rules:
  - id: base-name
    severity: warning
    message: "{keyword} missing"
    check: {present: PatientName}
"""
SITE = """version: 1
extends: [base.yaml]
rules:
  - id: site-id
    severity: error
    message: "{keyword} missing"
    check: {present: PatientID}
"""


def _write(folder: Path) -> Path:
    (folder / "base.yaml").write_text(BASE)
    site = folder / "site.yaml"
    site.write_text(SITE)
    return site


def _touch(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))  # a visible change


def test_same_pack_while_unchanged(tmp_path: Path) -> None:
    site = _write(tmp_path)
    assert load_pack(site) is load_pack(site)
    assert load_pack(str(site)) is load_pack(site)


def test_an_edited_extended_file_is_read_again(tmp_path: Path) -> None:
    site = _write(tmp_path)
    first = load_pack(site)
    _touch(tmp_path / "base.yaml", BASE.replace("base-name", "base-renamed"))
    second = load_pack(site)
    assert second is not first
    ds = Dataset()
    codes = {f.code for f in conformance.validate(ds, rules=[site]).findings}
    assert {"base-renamed", "site-id"} <= codes and "base-name" not in codes


def test_validate_in_a_loop_loads_the_pack_once(tmp_path: Path) -> None:
    site = _write(tmp_path)
    packs = set()
    for _ in range(3):
        v = conformance.Validator(rules=[site])
        packs.add(id(v.rules[0]))
    assert len(packs) == 1


def test_an_unusable_extends_path_is_a_rule_file_error(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text('version: 1\nextends: ["a\\0b.yaml"]\nrules: []\n')
    with pytest.raises(RuleFileError, match=r"site\.yaml:2: .*not a usable file path"):
        load_pack(site)


def test_engine_codes_can_be_disabled_with_a_reason(tmp_path: Path) -> None:
    site = tmp_path / "quiet.yaml"
    site.write_text("version: 1\ndisable:\n"
                    "  - {code: element-unreadable, reason: \"vendor's broken DS values\"}\n"
                    "rules: []\n")
    assert load_pack(site).disabled_codes.keys() == {"element-unreadable"}

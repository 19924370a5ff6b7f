"""Issue 17 items 11, 14, 15 and 16 for rule files: regexes that backtrack, format specs
in messages, ``extends`` of /dev/zero, FIFOs and files outside the allowed folders. The
rule files are written at run time (``fuzz/hostile.py``)."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pydicom import dcmread

import conformance
from conformance.errors import RuleFileError
from conformance.rules import regexguard
from conformance.rules.regexguard import RegexTimeout, compile_safe
from fuzz import hostile

pytestmark = pytest.mark.filterwarnings("ignore")


def _ct_with_patient_id(value: str) -> bytes:
    ds = dcmread(io.BytesIO(hostile.ct_small()))
    ds.PatientID = value
    out = io.BytesIO()
    ds.save_as(out)
    return out.getvalue()


def _rules(tmp_path: Path, text: str, name: str = "site.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- item 14 -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [hostile.rule_exponential_regex(),
                                  hostile.rule_polynomial_regex()])
def test_backtracking_patterns_do_not_hang_validate(tmp_path: Path, text: str) -> None:
    """With RE2 (a dependency) both match in microseconds; the value does not match, so
    the rule reports it."""
    rules = _rules(tmp_path, text)
    validator = conformance.Validator(rules=[str(rules)])
    report = validator.validate(_ct_with_patient_id("a" * 17))
    assert [f.code for f in report.findings if f.code == "slow"] == ["slow"]


def test_re2_is_the_engine_when_installed() -> None:
    pytest.importorskip("re2")
    assert compile_safe("(?:x|" + "a{0,16}" * 16 + "c)").engine == "re2"
    assert compile_safe("(?=a)a").engine == "re"  # look-ahead: RE2 lacks it


@pytest.fixture
def without_re2(monkeypatch: Any) -> None:
    monkeypatch.setattr(regexguard, "_re2_compile", lambda pattern: None)


def test_without_re2_the_time_bound_stops_the_match(without_re2: None, monkeypatch: Any
                                                    ) -> None:
    monkeypatch.setattr(regexguard, "_SECONDS", [0.2])
    pattern = compile_safe("(?:x|" + "a{0,16}" * 16 + "c)")
    assert pattern.engine == "re"
    started = time.monotonic()
    with pytest.raises(RegexTimeout):
        pattern.fullmatch("a" * 17)
    assert time.monotonic() - started < 5
    assert pattern.fullmatch("x") is True  # and the pattern still works


def test_without_re2_the_time_bound_holds_in_threads(without_re2: None, monkeypatch: Any
                                                     ) -> None:
    monkeypatch.setattr(regexguard, "_SECONDS", [0.5])
    pattern = compile_safe("(?:x|" + "a{0,16}" * 16 + "c)")
    got: list[Any] = []

    def work() -> None:
        try:
            got.append(pattern.fullmatch("a" * 17))
        except RegexTimeout as exc:
            got.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join(30)
    assert not t.is_alive()
    assert isinstance(got[0], RegexTimeout)
    assert pattern.fullmatch("x") is True


def test_without_re2_a_timed_out_value_is_not_a_pass(without_re2: None, monkeypatch: Any,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(regexguard, "_SECONDS", [0.2])
    rules = _rules(tmp_path, hostile.rule_exponential_regex())
    report = conformance.Validator(rules=[str(rules)]).validate(_ct_with_patient_id("a" * 17))
    codes = [f.code for f in report.findings]
    assert "slow" not in codes and "internal-error" not in codes
    undecided = [f for f in report.findings if f.code == "rule-not-decided"]
    assert len(undecided) == 1 and "regex ran longer than 0.2 s" in undecided[0].message


# -- item 15 -----------------------------------------------------------------------------

def test_format_spec_in_a_message_is_refused(tmp_path: Path) -> None:
    rules = _rules(tmp_path, hostile.rule_format_spec())
    with pytest.raises(RuleFileError, match="only plain {name} fields"):
        conformance.Validator(rules=[str(rules)])


def test_conversion_in_a_message_is_refused(tmp_path: Path) -> None:
    text = hostile.rule_format_spec().replace("{keyword:>1000000000}", "{value!r}")
    assert "{value!r}" in text
    rules = _rules(tmp_path, text)
    with pytest.raises(RuleFileError, match=r"\{value!r\}: only plain \{name\} fields"):
        conformance.Validator(rules=[str(rules)])


def test_messages_never_apply_format_specs() -> None:
    from conformance.rules.pack import MAX_FIELD, render

    assert render("{keyword:>1000000000} {value!r}", {"keyword": "K", "value": "v"}) == "K v"
    assert len(render("{value}", {"value": "x" * 10**6})) == MAX_FIELD + 3


# -- items 11 and 16: extends --------------------------------------------------------------

def test_extends_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    rules = _rules(tmp_path, hostile.rule_extends("/dev/zero"))
    with pytest.raises(RuleFileError, match="not a regular file"):
        conformance.Validator(rules=[str(rules)])


def test_extends_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "base.yaml")
    rules = _rules(tmp_path, hostile.rule_extends("base.yaml"))
    with pytest.raises(RuleFileError, match="not a regular file"):
        conformance.Validator(rules=[str(rules)])


def test_extends_outside_the_allowed_folders_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "etc" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$secrethash:19000:0:99999:7:::\n")
    site = tmp_path / "site"
    site.mkdir()
    rules = _rules(site, hostile.rule_extends(str(secret)))
    with pytest.raises(RuleFileError) as err:
        conformance.Validator(rules=[str(rules)])
    assert "outside the folders a rule file may extend" in str(err.value)
    assert "secrethash" not in str(err.value)
    relative = _rules(site, hostile.rule_extends("../etc/shadow"), "rel.yaml")
    with pytest.raises(RuleFileError, match="outside the folders"):
        conformance.Validator(rules=[str(relative)])


def test_an_extends_target_that_is_not_a_rule_file_is_not_quoted(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("password: hunter2-secret\nuser: admin\n")
    (tmp_path / "notes.yaml").write_text("just: [a, list\n  password hunter2-secret\n")
    for target in ("config.yaml", "notes.yaml"):
        rules = _rules(tmp_path, hostile.rule_extends(target))
        with pytest.raises(RuleFileError) as err:
            conformance.Validator(rules=[str(rules)])
        problems = getattr(err.value, "problems", [err.value])
        assert problems and all("hunter2" not in str(p) for p in problems), target


def test_extends_inside_the_folder_and_the_shipped_packs_work(tmp_path: Path) -> None:
    from conformance.rules.access import shipped_packs

    packs = shipped_packs()
    assert packs, "no shipped rule packs found"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_text("version: 1\nrules: []\n")
    shipped = packs[0] / "pn-formatting.yaml"
    rules = _rules(tmp_path, f"version: 1\nextends: [sub/base.yaml, '{shipped}']\n"
                             "rules: []\n")
    conformance.Validator(rules=[str(rules)])

"""Helpers for the YAML rule tests: write rule files, build datasets, pick rule findings."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom.dataset import Dataset

from conformance.engine.result import Report

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(text, name="r.yaml")``: a dedented rule file in tmp_path."""

    def _write(text: str, name: str = "r.yaml") -> Path:
        p = tmp_path / name
        p.write_text(textwrap.dedent(text), encoding="utf-8")
        return p

    return _write


def rule_findings(report: Report) -> list:
    return [f for f in report.findings if f.source != "standard"]


def codes(report: Report) -> list[str]:
    return [f.code for f in rule_findings(report)]


def dataset(**kw: object) -> Dataset:
    ds = Dataset()
    for k, v in kw.items():
        setattr(ds, k, v)
    return ds

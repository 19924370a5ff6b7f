"""Every worked example of docs/rules.md runs: its rule file loads, its ``fails:``
datasets raise one of its rules' findings and its ``passes:`` datasets raise none; every
operator has an example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

import conformance
from conformance.rules import load_pack
from conformance.rules.loader import operators
from conformance.rules.yamlmarks import load_yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
_BLOCK = re.compile(r"^```(yaml(?: test)?)\n(.*?)^```\n", re.S | re.M)


def _examples() -> list[tuple[str, str, dict[str, Any]]]:
    """(heading, rule file text, test block) of each rule block followed by a test block."""
    text = DOC.read_text(encoding="utf-8")
    blocks = [(m.group(1), m.group(2), m.start()) for m in _BLOCK.finditer(text)]
    out = []
    for (kind, body, start), (next_kind, test, _) in zip(blocks, blocks[1:], strict=False):
        if kind == "yaml" and next_kind == "yaml test":
            heading = re.findall(r"^#+ (.+)$", text[:start], re.M)[-1]
            out.append((heading, body, _plain(load_yaml(test, "docs/rules.md"))))
    return out


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _dataset(spec: dict[str, Any]) -> Dataset:
    ds = Dataset()
    for keyword, value in spec.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = Sequence([_dataset(item) for item in value])
        elif isinstance(value, list):
            value = [str(v) for v in value]
        elif not isinstance(value, str):
            value = str(value)
        setattr(ds, keyword, value)
    return ds


EXAMPLES = _examples()


def test_every_operator_has_an_example() -> None:
    shown = {h.strip("` ") for h, _, _ in EXAMPLES}
    assert set(operators()) <= shown, sorted(set(operators()) - shown)
    assert {"applies_to", "when"} <= shown


@pytest.mark.parametrize(("heading", "rule", "cases"), EXAMPLES,
                         ids=[h for h, _, _ in EXAMPLES])
@pytest.mark.filterwarnings("ignore")
def test_example(tmp_path: Path, heading: str, rule: str, cases: dict[str, Any]) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(rule, encoding="utf-8")
    pack = load_pack(path)
    ids = {r.id for r in pack.rules}
    v = conformance.Validator(rules=[pack])
    assert cases.get("fails") and cases.get("passes"), heading
    for spec in cases["fails"]:
        got = {f.code for f in v.validate(_dataset(spec)).findings} & ids
        assert got, f"{heading}: no finding for {spec}"
    for spec in cases["passes"]:
        got = {f.code for f in v.validate(_dataset(spec)).findings} & ids
        assert not got, f"{heading}: {got} for {spec}"

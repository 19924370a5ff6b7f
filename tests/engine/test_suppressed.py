"""Report.suppressed lists every ``disable:`` entry of the rule packs, hit or not."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from conformance.engine.api import Validator
from conformance.engine.context import CheckContext
from conformance.engine.finding import Finding
from conformance.report.summary import Summary, suppressions
from tests.engine.datasets import MINI, ct_dataset


class _Pack:
    """A rule pack that only switches codes off."""

    def __init__(self, disabled: dict[str, str]) -> None:
        self.disabled_codes = disabled

    def evaluate(self, ctx: CheckContext) -> Iterable[Finding]:
        return ()


def test_every_disable_is_listed_with_its_count() -> None:
    pack = _Pack({"not-in-iod": "site allows extras", "enum-value": "vendor quirk"})
    v = Validator(MINI, rules=[pack])
    ds = ct_dataset()
    ds.DeviceSerialNumber = "1"  # one not-in-iod; no enum-value finding at all
    r = v.validate(ds)
    assert [(s.code, s.reason, s.count) for s in r.suppressed] == [
        ("enum-value", "vendor quirk", 0), ("not-in-iod", "site allows extras", 1)]
    assert r.to_dict()["suppressed"][0] == {"code": "enum-value", "reason": "vendor quirk",
                                            "count": 0}
    # A clean dataset still shows both switches.
    clean = v.validate(ct_dataset())
    assert suppressions(clean) == [("enum-value", "vendor quirk", 0),
                                   ("not-in-iod", "site allows extras", 0)]
    summary = Summary()
    summary.add(r)
    summary.add(clean)
    assert summary.to_dict()["suppressed"] == {
        "enum-value": {"reason": "vendor quirk", "count": 0},
        "not-in-iod": {"reason": "site allows extras", "count": 1}}


def test_no_packs_no_suppressions() -> None:
    assert Validator(MINI).validate(ct_dataset()).suppressed == []


def test_yaml_disable_that_hides_nothing_is_listed(tmp_path: Path) -> None:
    rules = tmp_path / "site.yaml"
    rules.write_text("version: 1\nname: site\ndisable:\n"
                     "  - {code: item-count, reason: 'known issue IMG-7'}\nrules: []\n")
    r = Validator(MINI, rules=[rules]).validate(ct_dataset())
    [(code, reason, count)] = suppressions(r)
    assert (code, count) == ("item-count", 0) and reason.startswith("known issue IMG-7")
    assert "item-count" not in r.codes()

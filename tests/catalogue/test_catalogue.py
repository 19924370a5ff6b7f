"""The code catalogue: complete, one severity per code, examples that run, docs current."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import pytest

from conformance.catalogue import (
    aliases_of,
    catalogue,
    entry,
    expand,
    former_code,
    render,
    severity_of,
    suggest,
)
from conformance.catalogue.run import run
from conformance.engine.registry import all_codes

ROOT = Path(__file__).resolve().parents[2]
# A check that raises is a bug: no honest input produces it (the entry says so).
WITHOUT_EXAMPLE = {"internal-error"}


def _findings(spec: dict) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run(spec)


def test_every_emitted_code_has_an_entry_and_every_entry_is_emitted() -> None:
    assert sorted(all_codes() - set(catalogue())) == []
    assert sorted(set(catalogue()) - all_codes()) == []


def test_entries_are_complete() -> None:
    for code, e in catalogue().items():
        assert e.severity in ("error", "warning", "info"), code
        assert e.title and e.meaning and e.why, code
        assert (e.bad is None) == (e.good is None) == bool(e.no_example), code
    assert {c for c, e in catalogue().items() if e.bad is None} == WITHOUT_EXAMPLE


@pytest.mark.parametrize("code", sorted(set(catalogue()) - WITHOUT_EXAMPLE))
def test_bad_example_produces_exactly_its_code_and_good_does_not(code: str) -> None:
    e = entry(code)
    assert e is not None and e.bad is not None and e.good is not None
    bad, good = _findings(e.bad), _findings(e.good)
    bad_codes, good_codes = {f.code for f in bad}, {f.code for f in good}
    assert code in bad_codes
    assert code not in good_codes
    assert bad_codes - good_codes - set(e.also) == {code}
    # One code, one severity: every finding carries its code's catalogue severity.
    for f in bad + good:
        assert f.severity == severity_of(f.code), (f.code, f.severity)


def test_the_public_files_snapshot_has_one_severity_per_code() -> None:
    with gzip.open(ROOT / "tests" / "snapshots" / "findings.json.gz", "rt") as fh:
        snapshot = json.load(fh)
    seen = {(f["code"], f["severity"]) for name, e in snapshot.items()
            if not name.startswith("_") for f in e["findings"]}
    assert len(seen) > 20
    assert sorted((c, s) for c, s in seen if severity_of(c) != s) == []


def test_aliases_name_real_codes_and_map_back() -> None:
    for old, new in aliases_of().items():
        assert set(new) <= set(catalogue()), old
        assert expand(old) == new
        for code in new:
            assert former_code(code) == old
    assert expand("vr-invalid") == ("vr-invalid",)
    assert former_code("vr-invalid") == "vr-invalid"
    assert entry("uid-arc").aliases == ("uid-invalid",)  # type: ignore[union-attr]


def test_suggestions() -> None:
    assert suggest("vr-invalud")[0] == "vr-invalid"
    assert "type1-missing" in suggest("type1-mising")
    assert suggest("zzzzzz") == []


def test_docs_and_readme_table_are_generated_from_the_catalogue(tmp_path: Path) -> None:
    assert render.main(["--root", str(ROOT)]) == 0, (
        "codes.json, docs/codes.md or the README's code table differ from codes.yaml: run "
        "python -m conformance.catalogue.render --write")
    # The check sees a difference.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "codes.md").write_text(render.markdown() + "x", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        (ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert render.main(["--root", str(tmp_path)]) == 1
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in catalogue():
        assert f"| `{code}` |" in readme
        assert f"### `{code}`" in render.markdown()


def test_explain_text_has_the_codes_own_entry() -> None:
    e = entry("vr-invalid")
    assert e is not None
    text = render.text(e)
    assert text.startswith("vr-invalid (error): value invalid for its VR")
    assert e.meaning in text and "PS3.5 6.2 Table 6.2-1" in text
    assert "StudyDate = '2024-01-01'" in text  # the bad example


def test_the_program_reads_codes_yaml_as_json(tmp_path: Path) -> None:
    """codes.json is codes.yaml as data, and a codes.json that differs is seen."""
    import json

    from conformance.catalogue import _data, source_data

    assert _data() == source_data()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "codes.md").write_text(render.markdown(), encoding="utf-8")
    (tmp_path / "README.md").write_text(
        (ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    folder = tmp_path / "conformance" / "catalogue"
    folder.mkdir(parents=True)
    stale = source_data()
    first = next(iter(stale["families"].values()))
    next(iter(first.values()))["severity"] = "info"
    (folder / "codes.json").write_text(json.dumps(stale), encoding="utf-8")
    assert render.main(["--root", str(tmp_path)]) == 1
    assert render.main(["--root", str(tmp_path), "--write"]) == 0
    assert json.loads((folder / "codes.json").read_text(encoding="utf-8")) == source_data()

"""Runs in this process: the dataset tables, incremental reuse and invalidation, resume."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import conformance.distributed as cd
from conformance.distributed.dataset import META, PARTIAL, read_table
from conformance.distributed.rows import FILES, FINDINGS
from conformance.engine.api import Validator
from conformance.errors import UsageError
from tests.distributed.conftest import ARCHIVE_FILES, ARCHIVE_UNREADABLE, per_file
from tests.engine.datasets import ct_dataset, enhanced_dataset, with_file_meta
from tests.helpers.mini_variants import mini_variant

pa = pytest.importorskip("pyarrow")


def single_process(paths: list[str], **kw: Any) -> dict[str, dict[str, Any]]:
    v = Validator(**kw)
    return {p: v.validate(p).to_dict() for p in paths}


def test_reports_equal_the_single_process_run(archive: Path) -> None:
    run = cd.validate([archive], partition_size=2)
    got = per_file(run)
    assert got == single_process(cd.expand([archive]))
    assert run.stats.validated == ARCHIVE_FILES
    assert run.stats.unreadable == ARCHIVE_UNREADABLE


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_dataset_tables(archive: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "ds"
    reports = list(cd.validate([archive], out_dataset=out, dataset_format=fmt,
                               partition_size=3))
    meta = json.loads((out / META).read_text())
    assert meta["file_format"] == fmt and not (out / PARTIAL).exists()
    files = list(read_table(out, "files"))
    findings = list(read_table(out, "findings"))
    assert [f["file"] for f in files] == list(per_file(reports))
    assert {tuple(sorted(f)) for f in files} == {tuple(sorted(n for n, _, _ in FILES))}
    assert {tuple(sorted(f)) for f in findings} == {tuple(sorted(n for n, _, _ in FINDINGS))}
    own = [r for r in reports if not r.cross_file]
    assert len(findings) == sum(len(r.findings) for r in own) == meta["rows"]["findings"]
    cross = list(read_table(out, "cross_file"))  # the archive holds identical copies
    assert len(cross) == sum(len(r.findings) for r in reports if r.cross_file) > 0
    assert {c["code"] for c in cross} == {"duplicate-file"}
    by_path = {f["file"]: f for f in files}
    ct = by_path[str(archive / "study1" / "ct" / "1.dcm")]
    assert ct["status"] in ("ok", "warning", "error") and ct["iod"] == "ct-image"
    assert ct["series_instance_uid"] and ct["size"] == os.path.getsize(ct["file"])
    assert by_path[str(archive / "study2" / "broken.dcm")]["status"] == "unreadable"
    mine = [f for f in findings if f["file"] == ct["file"]]
    assert [f["seq"] for f in mine] == list(range(len(mine)))
    assert {f["series_instance_uid"] for f in mine} == {ct["series_instance_uid"]}
    if fmt == "parquet":  # readable without this package
        import pyarrow.dataset as pds

        table = pds.dataset(out / "findings", format="parquet").to_table()
        assert table.num_rows == len(findings)
        assert table.schema.field("reference_part").type == pa.int32()


def test_incremental_reuses_unchanged_and_revalidates_changed(archive: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "ds"
    first = per_file(cd.validate([archive], out_dataset=out))
    changed = archive / "study2" / "mr" / "b.dcm"
    os.utime(changed, ns=(1, 1))  # mtime differs: validated again
    (archive / "study2" / "new.dcm").write_bytes((archive / "study1/ct/1.dcm").read_bytes())
    (archive / "study1" / "rt" / "rt.dcm").unlink()  # a file gone: gone from the dataset
    run = cd.validate([archive], out_dataset=out, incremental=True)
    again = per_file(run)
    assert run.stats.validated == 2 and run.stats.reused == ARCHIVE_FILES - 2
    expected = single_process(cd.expand([archive]))
    assert again == expected
    files = {f["file"]: f for f in read_table(out, "files")}
    assert set(files) == set(expected)
    assert files[str(changed)]["reused"] is False
    assert files[str(archive / "study1" / "ct" / "2.dcm")]["reused"] is True
    assert {k: v for k, v in first.items() if k in again} == \
        {k: v for k, v in again.items() if k in first}


def test_unchanged_partitions_link_their_findings_part(archive: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "ds"
    list(cd.validate([archive], out_dataset=out, partition_size=2))
    before = {p.name: (p.stat().st_ino, p.read_bytes())
              for p in (out / "findings").glob("part-*")}
    changed = archive / "study2" / "mr" / "b.dcm"
    os.utime(changed, ns=(1, 1))
    run = cd.validate([archive], out_dataset=out, partition_size=2, incremental=True)
    list(run)
    assert run.stats.validated == 1
    after = {p.name: (p.stat().st_ino, p.read_bytes())
             for p in (out / "findings").glob("part-*")}
    assert {n: b for n, (_, b) in after.items()} == {n: b for n, (_, b) in before.items()}
    linked = [n for n in after if after[n][0] == before[n][0]]
    # every partition but the changed file's is the earlier part itself
    assert len(linked) == len(after) - 1


def test_severity_levels_apply_and_invalidate_reuse(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    first = [f for r in cd.validate([archive], out_dataset=out) for f in r.findings
             if f.code == "not-in-iod"]
    assert first and {f.severity for f in first} == {"warning"}
    run = cd.validate([archive], out_dataset=out, incremental=True,
                      severity={"not-in-iod": "error"})
    again = [f for r in run for f in r.findings if f.code == "not-in-iod"]
    assert {f.severity for f in again} == {"error"} and run.stats.reused == 0
    with pytest.raises(UsageError, match="no such code"):
        cd.validate([archive], severity={"no-such-code": "error"})


def test_content_hash_survives_a_touch(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    list(cd.validate([archive], out_dataset=out, content_hash=True))
    os.utime(archive / "study1" / "rt" / "rt.dcm", ns=(1, 1))
    run = cd.validate([archive], out_dataset=out, incremental=True, content_hash=True)
    list(run)
    assert run.stats.validated == 0 and run.stats.reused == ARCHIVE_FILES


def _rules(path: Path, mr_message: str) -> Path:
    path.write_text(f"""version: 1
rules:
  - id: mr-needs-echo
    severity: warning
    message: "{mr_message}"
    applies_to: {{modalities: [MR]}}
    check: {{present: EchoTime}}
  - id: ct-kernel
    severity: warning
    message: "CT needs a kernel"
    applies_to: {{modalities: [CT]}}
    check: {{present: ConvolutionKernel}}
""")
    return path


def test_changed_rule_invalidates_only_the_files_it_applies_to(archive: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "ds"
    rules = _rules(tmp_path / "site.yaml", "MR echo")
    list(cd.validate([archive], out_dataset=out, rules=[str(rules)]))
    _rules(rules, "MR echo time, please")
    run = cd.validate([archive], out_dataset=out, rules=[str(rules)], incremental=True)
    got = per_file(run)
    assert run.stats.validated == 3  # the three MR files, nothing else
    validated = {f["file"] for f in read_table(out, "files") if not f["reused"]}
    assert validated == {str(archive / "study2" / "mr" / n) for n in ("a.dcm", "b.dcm", "c.dcm")}
    assert got == single_process(cd.expand([archive]), rules=[str(rules)])


def _mini_archive(root: Path) -> Path:
    (root / "ct").mkdir(parents=True)
    (root / "enh").mkdir()
    for i in range(2):
        ds = ct_dataset()
        ds.SOPInstanceUID = f"1.2.3.4.5.{i}"
        with_file_meta(ds).save_as(root / "ct" / f"{i}.dcm", enforce_file_format=True)
        enh = enhanced_dataset()
        enh.SOPInstanceUID = f"1.2.3.4.6.{i}"
        with_file_meta(enh).save_as(root / "enh" / f"{i}.dcm", enforce_file_format=True)
    return root


def test_changed_module_table_invalidates_only_its_iods(tmp_path: Path) -> None:
    archive = _mini_archive(tmp_path / "a")
    std = tmp_path / "std"
    std_v1 = mini_variant(tmp_path / "v1", lambda m, i, d: None)
    os.rename(std_v1, std)
    out = tmp_path / "ds"
    list(cd.validate([archive], out_dataset=out, standard=str(std)))

    def edit(modules: dict[str, Any], iods: Any, dic: Any) -> None:
        modules["modules"]["ct-image"]["attributes"][1]["type"] = "1"  # KVP; CT Image only

    v2 = mini_variant(tmp_path / "v2", edit)
    os.rename(std, tmp_path / "old")
    os.rename(v2, std)
    run = cd.validate([archive], out_dataset=out, standard=str(std), incremental=True)
    got = per_file(run)
    validated = {Path(f["file"]).parent.name for f in read_table(out, "files")
                 if not f["reused"]}
    assert validated == {"ct"} and run.stats.validated == 2 and run.stats.reused == 2
    assert got == single_process(cd.expand([archive]), standard=str(std))


def test_interrupted_run_resumes(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    run = cd.validate([archive], out_dataset=out, partition_size=2)
    it = iter(run)
    for _ in range(4):  # stop part-way, as a killed client would
        next(it)
    it.close()  # type: ignore[attr-defined]
    assert not (out / META).exists() and (out / PARTIAL).is_dir()
    resumed = cd.validate([archive], out_dataset=out, partition_size=2, incremental=True)
    got = per_file(resumed)
    assert 4 <= resumed.stats.reused < ARCHIVE_FILES
    assert resumed.stats.validated == ARCHIVE_FILES - resumed.stats.reused
    assert got == single_process(cd.expand([archive]))
    assert (out / META).exists() and not (out / PARTIAL).exists()


def test_refuses_a_folder_that_is_not_a_dataset(archive: Path) -> None:
    with pytest.raises(UsageError, match="not empty"):
        cd.validate([archive / "study1"], out_dataset=archive / "study2")
    with pytest.raises(UsageError, match="--out-dataset"):
        cd.validate([archive], incremental=True)

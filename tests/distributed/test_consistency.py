"""Cross-file consistency through the distributed run: the same findings as the batch
reduce in one process, also when files are reused by an incremental run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pydicom import dcmread

import conformance.distributed as cd
from conformance.distributed.consistency import digest_from_json, digest_to_json
from conformance.distributed.dataset import read_table
from tests.helpers.testdata import pydicom_testdata


def inconsistent_archive(root: Path) -> Path:
    """Two files of one study with different Patient IDs; an identical copy of one."""
    ct = pydicom_testdata("CT_small.dcm")
    (root / "s1").mkdir(parents=True)
    (root / "s2").mkdir()
    shutil.copy(ct, root / "s1" / "a.dcm")
    shutil.copy(ct, root / "s2" / "copy.dcm")
    ds = dcmread(ct)
    ds.PatientID = "OTHER"
    ds.SOPInstanceUID = ds.SOPInstanceUID + ".9"
    ds.save_as(root / "s1" / "b.dcm")
    return root


def cross_file(reports: object) -> list[tuple[str, object]]:
    return [(r.path, f) for r in reports  # type: ignore[attr-defined]
            if getattr(r, "cross_file", False) for f in r.findings]


def test_same_findings_as_the_batch_reduce(tmp_path: Path) -> None:
    from conformance.batch.report import validate_folder

    root = inconsistent_archive(tmp_path / "a")
    want = validate_folder(str(root)).cross_file
    assert {f.code for _, f in want} == {"inconsistent-patient", "duplicate-file"}
    out = tmp_path / "ds"
    run = cd.validate([root], partition_size=1, out_dataset=out)  # one file per task
    assert cross_file(run) == want and run.stats.cross_file == len(want)
    assert len(list(read_table(out, "cross_file"))) == len(want)
    again = cd.validate([root], partition_size=1, out_dataset=out, incremental=True)
    assert cross_file(again) == want and again.stats.reused == 3
    # nothing changed: the previous reduce stands, its digests are not folded again
    assert again.stats.cross_file_reused and again.stats.cross_file == len(want)
    assert len(list(read_table(out, "cross_file"))) == len(want)


def test_incremental_reduce_follows_a_changed_file(tmp_path: Path) -> None:
    """One file changed (or one input more, or another order): every digest, reused
    or not, is folded again, and the cross-file findings are those of a fresh batch."""
    from conformance.batch.report import validate_folder

    root = inconsistent_archive(tmp_path / "a")
    out = tmp_path / "ds"
    list(cd.validate([root], partition_size=1, out_dataset=out))
    ds = dcmread(root / "s1" / "b.dcm")
    ds.PatientID = dcmread(root / "s1" / "a.dcm").PatientID  # the conflict is gone
    ds.save_as(root / "s1" / "b.dcm")
    run = cd.validate([root], partition_size=1, out_dataset=out, incremental=True)
    want = validate_folder(str(root)).cross_file
    assert {f.code for _, f in want} == {"duplicate-file"}
    assert cross_file(run) == want and run.stats.reused == 2
    assert not run.stats.cross_file_reused
    # every file reused, but the inputs in another order: the reduce is made again
    paths = [str(p) for p in sorted(root.rglob("*.dcm"), reverse=True)]
    again = cd.validate(paths, partition_size=1, out_dataset=out, incremental=True)
    got = cross_file(again)
    assert again.stats.reused == 3 and not again.stats.cross_file_reused
    assert got == cross_file(cd.validate(paths, partition_size=1)) != want


def test_policy_change_makes_the_reduce_again(tmp_path: Path) -> None:
    root = inconsistent_archive(tmp_path / "a")
    out = tmp_path / "ds"
    list(cd.validate([root], partition_size=1, out_dataset=out))
    pack = tmp_path / "p.yaml"
    pack.write_text("version: 1\ndisable:\n  - {code: duplicate-file, reason: copies}\n",
                    encoding="utf-8")
    run = cd.validate([root], partition_size=1, out_dataset=out, incremental=True,
                      rules=[str(pack)])
    assert not run.stats.cross_file_reused
    assert {f.code for _, f in cross_file(run)} == {"inconsistent-patient"}
    assert [s.code for s in run.suppressed] == ["duplicate-file"]


def test_digest_round_trip(tmp_path: Path) -> None:
    from conformance.engine.api import Validator

    report = Validator().validate(pydicom_testdata("CT_small.dcm"))
    digest = report.digest
    assert digest is not None and digest_from_json(digest_to_json(digest)) == digest


def test_reuse_needs_the_key_and_the_whole_table_it_describes(tmp_path: Path) -> None:
    """The key lives in cross_file/ with the table (a commit that dies between the
    table and _dataset.json cannot pair an old key with a new table); a key file that is
    not ours, or a table with rows missing, means the reduce is made again."""
    from conformance.distributed.dataset import CROSS_KEY

    root = inconsistent_archive(tmp_path / "a")
    out = tmp_path / "ds"
    want = cross_file(cd.validate([root], partition_size=1, out_dataset=out))
    key = out / "cross_file" / CROSS_KEY
    assert json.loads(key.read_text())["findings"] == len(want) == 2
    good = key.read_text()
    key.write_text("[1, 2]")  # not a key document: no reuse, no error
    run = cd.validate([root], partition_size=1, out_dataset=out, incremental=True)
    assert cross_file(run) == want and not run.stats.cross_file_reused
    for part in (out / "cross_file").glob("part-*"):
        part.unlink()  # the table lost its rows, the key (rewritten by the run) stays
    assert json.loads(key.read_text())["key"] == json.loads(good)["key"]
    run = cd.validate([root], partition_size=1, out_dataset=out, incremental=True)
    assert cross_file(run) == want and not run.stats.cross_file_reused

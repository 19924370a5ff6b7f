"""Issue 17 items 6 and 7: a standard folder that cannot be loaded completely is one
error line with exit 2 from the CLI and a StandardDataError from the library, never a
traceback and never a silent pass. Each broken folder is made at run time from a copy
of the bundled standard."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pydicom import dcmread

import conformance
from conformance.cli import main
from conformance.errors import StandardDataError
from conformance.standard.loader import Standard, bundled_path
from fuzz import hostile

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def missing_two_type1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CT_small without Modality and Rows (two Type 1 attributes): exit 1 when checked."""
    ds = dcmread(io.BytesIO(hostile.ct_small()))
    del ds.Modality
    del ds.Rows
    path = tmp_path_factory.mktemp("in") / "ct.dcm"
    ds.save_as(path)
    return path


@pytest.fixture
def std(tmp_path: Path) -> Path:
    bundled = bundled_path()
    assert bundled is not None
    return Path(shutil.copytree(bundled, tmp_path / "std"))


def _rewrite_gz(path: Path, change: Callable[[dict], dict]) -> None:
    doc = json.loads(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(json.dumps(change(doc)).encode()))


def _corrupt_zip(std: Path) -> None:
    (std / "tables.zip").write_bytes(b"PK\x03\x04" + b"\0" * 100)


def _no_tables(std: Path) -> None:
    (std / "modules.json.gz").unlink()
    (std / "tables.zip").unlink()


def _corrupt_vrs(std: Path) -> None:
    data = (std / "vrs.json.gz").read_bytes()
    (std / "vrs.json.gz").write_bytes(data[:len(data) // 2])


def _flipped_vrs(std: Path) -> None:
    """A bit flipped inside the deflate stream: zlib.error, not EOFError (found by the
    standard-folder fuzz target)."""
    data = bytearray((std / "vrs.json.gz").read_bytes())
    data[len(data) // 3] ^= 0x10
    (std / "vrs.json.gz").write_bytes(bytes(data))


def _corrupt_dictionary(std: Path) -> None:
    data = bytearray((std / "dictionary.json.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (std / "dictionary.json.gz").write_bytes(bytes(data))


def _iods_schema(std: Path) -> None:
    _rewrite_gz(std / "iods.json.gz", lambda d: {"iods": {"ct-image": {"modules": "x"}}})


def _table_schema(std: Path) -> None:
    def change(doc: dict) -> dict:
        doc["modules"]["general-image"]["attributes"] = 7
        return doc

    _rewrite_gz(std / "modules.json.gz", change)


def _zip_member_differs(std: Path) -> None:
    path = std / "tables.zip"
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    table = json.loads(members["modules/general-image.json"])
    table["attributes"] = table["attributes"][:1]
    members["modules/general-image.json"] = json.dumps(table).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, body in members.items():
            z.writestr(n, body)


BROKEN = {
    "corrupt tables.zip": _corrupt_zip,
    "no modules.json nor tables.zip": _no_tables,
    "corrupt vrs.json.gz": _corrupt_vrs,
    "bit flip in vrs.json.gz": _flipped_vrs,
    "corrupt dictionary.json.gz": _corrupt_dictionary,
    "iods.json violates its schema": _iods_schema,
    "modules.json violates its schema": _table_schema,
    "tables.zip differs from modules.json": _zip_member_differs,
}


def test_the_intact_copy_finds_the_missing_attributes(std: Path, missing_two_type1: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    code = main(["validate", "--no-progress", "--standard", str(std), str(missing_two_type1)])
    out, _ = capsys.readouterr()
    assert code == 1
    assert out.count("type1-missing") == 2


@pytest.mark.parametrize("damage", list(BROKEN), ids=list(BROKEN))
def test_broken_standard_is_exit_2_with_one_line(damage: str, std: Path,
                                                 missing_two_type1: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    BROKEN[damage](std)
    code = main(["validate", "--no-progress", "--standard", str(std), str(missing_two_type1)])
    out, err = capsys.readouterr()
    assert code == 2, out
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    with pytest.raises(StandardDataError):
        conformance.validate(missing_two_type1, standard=std)


@pytest.mark.parametrize("damage", ["corrupt vrs.json.gz",
                                    "bit flip in vrs.json.gz", "corrupt dictionary.json.gz"])
def test_a_load_failure_during_validation_raises(damage: str, std: Path,
                                                 missing_two_type1: Path) -> None:
    """The bundled standard is not verified up front (it ships tested): a file that turns
    out unreadable while validating still raises, it does not skip checks."""
    BROKEN[damage](std)
    # A valid tables.marshal stands in for the JSON and tables.zip it was made from (their
    # damage then changes nothing); without it the damaged files themselves are read.
    (std / "tables.marshal").unlink(missing_ok=True)
    validator = conformance.Validator(standard=Standard(std))  # not verified
    with pytest.raises(StandardDataError, match="unreadable|cannot be loaded completely"):
        validator.validate(missing_two_type1)


def test_files_the_manifest_lists_must_exist(std: Path) -> None:
    (std / "deidentification.json.gz").unlink()
    with pytest.raises(StandardDataError, match="deidentification.json.gz missing"):
        Standard(std)


def test_a_corrupt_tables_zip_is_not_used_when_modules_json_can_stand_in(
        std: Path, missing_two_type1: Path) -> None:
    """tables.zip is a derived copy: with it corrupt (and no tables.marshal) the tables
    come from modules.json (the marshal is remade from it), so nothing is skipped."""
    BROKEN["corrupt tables.zip"](std)
    (std / "tables.marshal").unlink(missing_ok=True)
    report = conformance.Validator(standard=Standard(std)).validate(missing_two_type1)
    assert sum(f.code == "type1-missing" for f in report.findings) == 2

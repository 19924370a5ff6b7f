"""The built wheel, installed into a fresh virtual environment, works as the README says:
each built-in pack runs from there (``--rules builtin:NAME``, ``extends: [builtin:...]``),
``python -m conformance --version`` prints the version, and the typed example passes
``mypy --strict`` against the installed package.

The fresh environment has no pip and no dependencies of its own: the wheel is installed
with this interpreter's pip (``--python``), and a ``.pth`` file lends it this
environment's site-packages for pydicom & co. Those are plain path entries, so the
editable install of the source tree (a ``.pth`` hook there) is not visible in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import conformance

from ..helpers.testdata import pydicom_testdata
from .test_typing import EXAMPLE, run_mypy

REPO = Path(__file__).resolve().parents[2]
_SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "tmp", "__pycache__",
                               "*.egg-info", ".hypothesis", ".pytest_cache", ".ruff_cache",
                               ".mypy_cache", "tests")

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    assert done.returncode in ok, (cmd, done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from this checkout installed; its bin folder."""
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    shutil.copytree(REPO, src, ignore=_SKIP)  # the build never writes into the checkout
    dist = root / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", str(dist), str(src)], root)
    wheels = list(dist.glob("dicom_conformance-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
          "--no-index", "-q", str(wheels[0])], root)
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                         "['purelib'])"], root).stdout.strip())
    lent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_lent_dependencies.pth").write_text("\n".join(sorted(lent)) + "\n")
    return env_dir / "bin"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["NO_COLOR"] = "1"
    return env


def test_package_comes_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    out = _run([str(installed / "python"), "-c",
                "import conformance, conformance.rules.builtin as b; "
                "print(conformance.__file__); print(b.packs_dir())"], tmp_path, _env()).stdout
    where, packs = out.split()
    venv_root = str(installed.parent)
    assert where.startswith(venv_root) and packs.startswith(venv_root), out
    assert packs.endswith("_packs")


def test_version(installed: Path, tmp_path: Path) -> None:
    for cmd in ([str(installed / "python"), "-m", "conformance", "--version"],
                [str(installed / "conformance"), "--version"]):
        out = _run(cmd, tmp_path, _env()).stdout
        assert out.strip() == f"conformance (dicom-conformance) {conformance.__version__}"


@pytest.fixture
def sloppy_ct(tmp_path: Path) -> str:
    """CT_small.dcm with what every shipped pack objects to: a free-text Patient's Name,
    an unreserved private element, identifying data."""
    from pydicom import dcmread

    ds = dcmread(pydicom_testdata("CT_small.dcm"))
    ds.PatientName = "John Smith"
    ds.add_new(0x00091001, "LO", "orphan")
    out = tmp_path / "sloppy.dcm"
    ds.save_as(out)
    return str(out)


def test_each_builtin_pack_runs(installed: Path, tmp_path: Path, sloppy_ct: str) -> None:
    listing = _run([str(installed / "conformance"), "rules", "list"], tmp_path, _env()).stdout
    names = [line.split()[0] for line in listing.splitlines() if line.strip()]
    expected = sorted("builtin:" + p.stem for p in (REPO / "rules").glob("*.yaml"))
    assert names == expected
    ct = sloppy_ct
    for name in names:
        _run([str(installed / "conformance"), "rules", "check", name], tmp_path, _env())
        out = _run([str(installed / "conformance"), "validate", "--rules", name, ct,
                    "--format", "json", "--no-progress"], tmp_path, _env(), ok=(0, 1)).stdout
        findings = json.loads(out)["files"][0]["findings"]
        from_pack = [f for f in findings if f["source"].startswith("builtin:")]
        assert from_pack, f"{name} gave no finding on CT_small.dcm"
        assert not [f for f in findings if f["code"] == "internal-error"], name


def test_extends_builtin(installed: Path, tmp_path: Path, sloppy_ct: str) -> None:
    site = tmp_path / "site.yaml"
    site.write_text("version: 1\nextends: [builtin:pn-formatting]\nrules: []\n")
    ct = sloppy_ct
    out = _run([str(installed / "conformance"), "validate", "--rules", str(site), ct,
                "--format", "json", "--no-progress"], tmp_path, _env(), ok=(0, 1)).stdout
    sources = {f["source"] for f in json.loads(out)["files"][0]["findings"]}
    assert "builtin:pn-formatting#pn-patient-name" in sources


def test_typed_example_against_the_wheel(installed: Path, tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    target = tmp_path / EXAMPLE.name
    shutil.copy(EXAMPLE, target)
    done = run_mypy(str(installed / "python"), target, tmp_path, tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_operators_and_catalogue_examples_from_the_wheel(installed: Path, tmp_path: Path
                                                          ) -> None:
    """The rule file schema is assembled from the operator classes and tables of the
    installed package; examples that need a File-set or a standard variation run there."""
    out = _run([str(installed / "conformance"), "rules", "schema"], tmp_path, _env()).stdout
    schema = json.loads(out)
    assert {"uid_root", "unique_in_sequence"} <= set(schema["$defs"]["check"]["properties"])
    assert {"contains_code", "eq"} <= set(schema["$defs"]["when"]["properties"])
    script = ("from conformance.catalogue import entry; from conformance.catalogue.run import run\n"
              "for code in ('dicomdir-file-missing', 'vr-table-missing'):\n"
              "    e = entry(code)\n"
              "    print(code, code in {f.code for f in run(e.bad)},"
              " code in {f.code for f in run(e.good)})\n")
    got = _run([str(installed / "python"), "-c", script], tmp_path, _env()).stdout.split("\n")
    assert got[:2] == ["dicomdir-file-missing True False", "vr-table-missing True False"]

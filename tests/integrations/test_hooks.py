"""The integrations: the pre-commit hooks, the composite GitHub Action and the
Dockerfile, each run as far as this machine allows."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..helpers.testdata import pydicom_testdata

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tomllib_scripts() -> set[str]:
    import tomllib

    return set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "ok.dcm"
    shutil.copyfile(pydicom_testdata("CT_small.dcm"), good)
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"not dicom")
    return {"good": good, "bad": bad}


def test_pre_commit_hooks(files: dict[str, Path]) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    ids = [h["id"] for h in hooks]
    assert ids == ["dicom-conformance", "dicom-conformance-rules"]
    for h in hooks:
        assert {"id", "name", "entry", "language"} <= set(h)
        assert h["language"] == "python"  # pre-commit installs this package
        assert shlex.split(h["entry"])[0] in _tomllib_scripts()
    dicom = hooks[0]
    pattern = re.compile(dicom["files"])
    assert pattern.search("study/CT1.DCM") and pattern.search("a.dcm")
    assert not pattern.search("notes.txt")
    # pre-commit appends the staged file names to the entry
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    entry = shlex.split(dicom["entry"])
    ok = subprocess.run([*entry, str(files["good"])], capture_output=True, text=True,
                        env=env, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run([*entry, str(files["good"]), str(files["bad"])], capture_output=True,
                         text=True, env=env, timeout=300)
    assert bad.returncode == 1 and "broken.dcm" in bad.stdout
    rules = subprocess.run([*shlex.split(hooks[1]["entry"]), str(REPO / "rules" /
                                                                 "pn-formatting.yaml")],
                           capture_output=True, text=True, env=env, timeout=300)
    assert rules.returncode == 0, rules.stderr
    assert re.compile(hooks[1]["files"]).search("rules/pn-formatting.yaml")


def _action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text())


def test_action_is_a_composite_action() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    inputs = set(action["inputs"])
    text = (REPO / "action.yml").read_text()
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used <= inputs, used - inputs
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs reach scripts through env only (no ${{ }} inside a script)
            assert "${{" not in step["run"]
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def _run_validate_step(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Run the action's Validate step as the runner would: inputs through env."""
    action = _action()
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "validate")
    values = {k: v.get("default", "") for k, v in action["inputs"].items()} | inputs
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    for k, expr in step["env"].items():
        name = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", expr)
        assert name, expr
        env[k] = values[name.group(1)]
    out = tmp_path / "github_output"
    out.write_text("")
    env["GITHUB_OUTPUT"] = str(out)
    done = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    return done.returncode, outputs


def test_action_validate_step(tmp_path: Path, files: dict[str, Path]) -> None:
    _, outputs = _run_validate_step(tmp_path, {"paths": str(files["good"])})
    assert outputs == {"exit-code": "0"}
    doc = json.loads((tmp_path / "dicom-conformance.sarif").read_text())
    assert doc["version"] == "2.1.0"
    _, outputs = _run_validate_step(tmp_path, {
        "paths": f"{files['good']} {files['bad']}", "rules": "builtin:pn-formatting",
        "sarif-file": "out dir.sarif"})
    assert outputs == {"exit-code": "1"}
    results = json.loads((tmp_path / "out dir.sarif").read_text())["runs"][0]["results"]
    assert any(r["ruleId"] == "unreadable" for r in results)
    _, outputs = _run_validate_step(tmp_path, {"paths": str(tmp_path / "missing*.dcm")})
    assert outputs == {"exit-code": "2"}  # no glob expansion, a clear usage error


def test_dockerfile() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["conformance"]' in text
    assert 'CMD ["validate", "--no-progress", "/data"]' in text
    assert "USER " in text  # not root
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True,
                                        timeout=60).returncode != 0:
        pytest.skip("Docker is not available here: the image is not built")
    tag = "dicom-conformance-test:latest"
    subprocess.run([docker, "build", "-t", tag, str(REPO)], check=True, timeout=1800)
    data = Path(pydicom_testdata("CT_small.dcm")).parent
    done = subprocess.run([docker, "run", "--rm", "-v", f"{data}:/data:ro", tag],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1) and "total:" in done.stdout, done.stderr

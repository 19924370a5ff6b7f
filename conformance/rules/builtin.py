"""The rule packs shipped with the package, addressed as ``builtin:NAME``.

A wheel carries them as ``conformance/_packs/*.yaml`` (``setup.py`` copies the
repository's top-level ``rules/`` there); a source checkout or an editable install
reads ``<repo>/rules`` directly. ``--rules builtin:pn-formatting`` and
``extends: [builtin:pn-formatting]`` name the same file wherever the package lives.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import RuleFileError

PREFIX = "builtin:"


def is_builtin(ref: str) -> bool:
    """True for ``builtin:NAME`` references."""
    return ref.startswith(PREFIX)


def packs_dir() -> Path | None:
    """The folder of the shipped packs, or None when this installation has none."""
    pkg = Path(__file__).resolve().parents[1]  # the conformance package folder
    for candidate in (pkg / "_packs", pkg.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return None


def names() -> list[str]:
    """The shipped packs' names, sorted."""
    folder = packs_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder is not None else []


def resolve(ref: str, *, file: str | None = None, line: int | None = None) -> Path:
    """The file of ``builtin:NAME`` (``NAME`` or ``NAME.yaml``); RuleFileError, with the
    closest names, when no shipped pack has that name."""
    name = ref[len(PREFIX):] if is_builtin(ref) else ref
    if name.endswith(".yaml"):
        name = name[:-5]
    folder = packs_dir()
    if folder is not None and name and "/" not in name and "\\" not in name:
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path
    known = names()
    close = difflib.get_close_matches(name, known, n=1) or [
        k for k in known if name and name.lower() in k][:1]
    hint = f"; did you mean {PREFIX}{close[0]}?" if close else ""
    listing = ", ".join(known) or "none in this installation"
    raise RuleFileError(f"no built-in rule pack {name!r}{hint} (built-in packs: {listing})",
                        file=file, line=line)


@dataclass(frozen=True, slots=True)
class PackInfo:
    """One shipped pack, for ``conformance rules list``."""

    name: str
    path: Path
    description: str


def describe() -> list[PackInfo]:
    """Every shipped pack with its ``description:`` (read without loading the rules)."""
    import yaml

    folder = packs_dir()
    out: list[PackInfo] = []
    for name in names():
        assert folder is not None
        path = folder / f"{name}.yaml"
        description = ""
        # the header keys come first; read only up to ``rules:`` (the de-id pack is large)
        head: list[str] = []
        for text_line in path.read_text(encoding="utf-8").splitlines():
            if text_line.startswith("rules:"):
                break
            head.append(text_line)
        try:
            doc = yaml.safe_load("\n".join(head))
        except yaml.YAMLError:
            doc = None
        if isinstance(doc, dict):
            description = str(doc.get("description") or "")
        out.append(PackInfo(name, path, description))
    return out

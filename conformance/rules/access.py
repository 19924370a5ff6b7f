"""Which files a rule file may read: regular files only, and ``extends`` targets only
inside the extending file's folder and the shipped packs (README "Robustness")."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def shipped_packs() -> list[Path]:
    """Folders of the rule packs that come with the package (``extends`` may name them)."""
    pkg = Path(__file__).resolve().parents[1]
    return [p for p in (pkg / "_packs", pkg.parent / "rules") if p.is_dir()]


def refused(real: Path, chain: list[tuple[str, Path, int | None]]) -> str | None:
    """Why a file may not be read as a rule file: not a regular file (a FIFO blocks,
    /dev/zero never ends), or, for an ``extends`` target, outside the folder of the
    rule file the user named and the shipped packs (a service must not be made to read
    /etc/shadow). The user can still name such a file with its own ``--rules``."""
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return None  # reported as "rule file not found"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if not chain:
        return None
    roots = [chain[0][1].parent, *shipped_packs()]
    if any(real.is_relative_to(r) for r in roots):
        return None
    return ("outside the folders a rule file may extend (its own folder and the shipped "
            "packs); name it with its own --rules to use it")


def read_text(real: Path) -> str:
    """The text of a rule file, reading at most ``MAX_FILE_BYTES`` + 1 bytes; ValueError
    when it is larger or not UTF-8 (without quoting it)."""
    from conformance.rules.yamlmarks import MAX_FILE_BYTES

    with open(real, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None

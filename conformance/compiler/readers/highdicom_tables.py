"""Reader of PS3.16 Annex L as highdicom ships it (``highdicom/_standard/anatomic_regions.json``).

PS3.3 delegates the Defined Terms of Body Part Examined (0018,0015) to PS3.16 Annex L
("Correspondence of Anatomic Region Codes and Body Part Examined Defined Terms");
pydicom does not ship that table, highdicom's wheel does (generated from the standard:
term -> [scheme, code value, code meaning, laterality applies]). highdicom is optional:
without it the build has no Annex L terms and says so in the manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

ANNEX_L = "_standard/anatomic_regions.json"


def highdicom_root() -> Path | None:
    """The installed highdicom package folder, found without importing it (its import
    pulls in numpy); None when it is not installed."""
    from importlib.util import find_spec

    spec = find_spec("highdicom")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def highdicom_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("highdicom")
    except PackageNotFoundError:
        return "unknown"


def annex_l_source() -> tuple[Path, str, int] | None:
    """(file, sha256, size) of the installed Annex L table, or None."""
    root = highdicom_root()
    if root is None or not (root / ANNEX_L).is_file():
        return None
    data = (root / ANNEX_L).read_bytes()
    return root / ANNEX_L, hashlib.sha256(data).hexdigest(), len(data)


def read_annex_l(path: Path) -> dict[str, list[Any]]:
    """Body Part Examined term -> [scheme, code value, code meaning, laterality]."""
    data = json.loads(Path(path).read_text("utf-8"))
    return {str(term): list(code) for term, code in sorted(data.items())}

"""Findings: the typed result of every check."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True, slots=True)
class Reference:
    """Where the standard states the requirement."""

    edition: str | None = None
    part: int | None = None
    section: str | None = None
    table: str | None = None

    def __str__(self) -> str:
        bits = [f"PS3.{self.part}" if self.part else "PS3"]
        if self.section:
            bits.append(f"section {self.section}")
        if self.table:
            bits.append(f"table {self.table}")
        if self.edition:
            bits.append(f"({self.edition})")
        return " ".join(bits)


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding; immutable so reports can be shared across threads."""

    code: str
    severity: Severity
    message: str
    tag: str | None = None
    keyword: str | None = None
    path: str = ""
    keyword_path: str = ""
    module: str | None = None
    iod: str | None = None
    reference: Reference | None = None
    source: str = "standard"
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.reference is None:
            d["reference"] = None
        return d

"""Findings: the typed result of every check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from conformance.engine.pickling import pickled_as_arguments

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@pickled_as_arguments
@dataclass(frozen=True, slots=True)
class Reference:
    """Where the standard states the requirement."""

    edition: str | None = None
    part: int | None = None
    section: str | None = None
    table: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reference:
        """The Reference of ``asdict``/``to_dict`` output."""
        return cls(edition=d.get("edition"), part=d.get("part"), section=d.get("section"),
                   table=d.get("table"))

    def __str__(self) -> str:
        bits = [f"PS3.{self.part}" if self.part else "PS3"]
        if self.section:
            bits.append(f"section {self.section}")
        if self.table:
            bits.append(f"table {self.table}")
        if self.edition:
            bits.append(f"({self.edition})")
        return " ".join(bits)


@pickled_as_arguments
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
        # written out: dataclasses.asdict deep-copies field by field, and reports call
        # this for every finding
        ref = self.reference
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "tag": self.tag, "keyword": self.keyword, "path": self.path,
                "keyword_path": self.keyword_path, "module": self.module, "iod": self.iod,
                "reference": None if ref is None else {
                    "edition": ref.edition, "part": ref.part, "section": ref.section,
                    "table": ref.table},
                "source": self.source, "line": self.line}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        """The Finding of ``to_dict`` output (a JSON report's ``findings[]`` entry)."""
        severity = d["severity"]
        if severity not in SEVERITY_RANK:
            raise ValueError(f"finding severity {severity!r} is not error, warning or info")
        ref = d.get("reference")
        return cls(code=d["code"], severity=severity, message=d["message"],
                   tag=d.get("tag"), keyword=d.get("keyword"), path=d.get("path") or "",
                   keyword_path=d.get("keyword_path") or "", module=d.get("module"),
                   iod=d.get("iod"), reference=Reference.from_dict(ref) if ref else None,
                   source=d.get("source") or "standard", line=d.get("line"))

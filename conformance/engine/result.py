"""The result of validating one dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.engine.digest import FileDigest, Identity
from conformance.engine.finding import Finding


@dataclass(frozen=True, slots=True)
class Suppression:
    """Findings of ``code`` dropped because a rule pack disabled the code."""

    code: str
    reason: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "reason": self.reason, "count": self.count}


@dataclass(slots=True)
class Report:
    """Findings for one dataset plus what was validated against what."""

    path: str | None
    sop_class_uid: str | None
    iod: str | None
    iod_name: str | None
    findings: list[Finding] = field(default_factory=list)
    standard: dict[str, Any] = field(default_factory=dict)  # {"edition", "path"}
    suppressed: list[Suppression] = field(default_factory=list)
    # conditions of the IOD no dataset can decide (engine/undecided.py): counted, not
    # reported per file; ``conformance explain IOD`` lists them
    undecidable: int = 0
    # Patient / study / series / instance / modality (identifying values masked unless
    # the Validator shows values); None for unreadable input.
    identity: Identity | None = None
    # The consistency map output (not written to reports; read by batches).
    digest: FileDigest | None = field(default=None, repr=False, compare=False)
    # True for the synthetic report carrying cross-file findings of one file.
    cross_file: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "info"]

    @property
    def ok(self) -> bool:
        """No error-severity finding (warnings and infos do not fail a dataset)."""
        return not any(f.severity == "error" for f in self.findings)

    def codes(self) -> list[str]:
        """The finding codes in order (handy for tests and summaries)."""
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sop_class_uid": self.sop_class_uid,
            "iod": self.iod,
            "iod_name": self.iod_name,
            "ok": self.ok,
            "counts": {"error": len(self.errors), "warning": len(self.warnings),
                       "info": len(self.infos)},
            "findings": [f.to_dict() for f in self.findings],
            "standard": dict(self.standard),
            "suppressed": [s.to_dict() for s in self.suppressed],
            "undecidable": self.undecidable,
            "identity": self.identity.to_dict() if self.identity is not None else None,
            "cross_file": self.cross_file,
        }

"""The result of validating one dataset."""

from __future__ import annotations

from collections.abc import Mapping
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

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Suppression:
        return cls(str(d["code"]), str(d.get("reason", "")), int(d.get("count", 0)))


@dataclass(slots=True)
class Report:
    """Findings for one dataset plus what was validated against what."""

    path: str | None
    sop_class_uid: str | None
    iod: str | None
    iod_name: str | None
    findings: list[Finding] = field(default_factory=list)
    standard: dict[str, Any] = field(default_factory=dict)  # {"edition", "id", "bundled"}
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
    # Findings a ``--baseline`` report already had, left out of ``findings``.
    baseline_hidden: int = 0
    # Seconds the validation took (JUnit's time); not part of to_dict, so reports of the
    # same input stay identical.
    elapsed: float | None = field(default=None, compare=False)

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
        } | ({"baseline_hidden": self.baseline_hidden} if self.baseline_hidden else {})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], standard: Mapping[str, Any] | None = None
                  ) -> Report:
        """The Report of ``to_dict`` output, or of a JSON report's ``files[]`` entry (which
        leaves the standard to the document: pass the document's ``standard``)."""
        ident = d.get("identity")
        return cls(
            path=d.get("path"), sop_class_uid=d.get("sop_class_uid"), iod=d.get("iod"),
            iod_name=d.get("iod_name"),
            findings=[Finding.from_dict(f) for f in d.get("findings") or ()],
            standard=dict(d.get("standard") or standard or {}),
            suppressed=[Suppression.from_dict(s) for s in d.get("suppressed") or ()],
            undecidable=int(d.get("undecidable") or 0),
            identity=Identity(**{k: ident.get(k) for k in Identity.__slots__})
            if ident else None,
            cross_file=bool(d.get("cross_file", False)),
            baseline_hidden=int(d.get("baseline_hidden") or 0),
        )

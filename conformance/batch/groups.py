"""Per-series and per-study summaries: one line per finding with how many instances
have it ("type2-missing PatientBirthDate: 120 of 120 instances")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_NONE = "(none)"


@dataclass(slots=True)
class FindingCount:
    """One finding (code, severity, where) across the instances of a group."""

    code: str
    severity: str
    where: str
    message: str  # of the first instance that had it
    instances: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "where": self.where,
                "message": self.message, "instances": self.instances}


@dataclass(slots=True)
class Group:
    """A series or a study: identity, instance count, findings by instance count."""

    kind: str  # "series" | "study"
    uid: str
    patient_id: str | None = None
    study_instance_uid: str | None = None
    modality: str | None = None
    instances: int = 0
    series: set[str] = field(default_factory=set)  # studies only
    modalities: set[str] = field(default_factory=set)
    counts: dict[tuple[str, str, str], FindingCount] = field(default_factory=dict)

    def add(self, report: Any) -> None:
        self.instances += 1
        ident = report.identity
        if ident.modality:
            self.modalities.add(ident.modality)
        if self.kind == "study" and ident.series_instance_uid:
            self.series.add(ident.series_instance_uid)
        seen: set[tuple[str, str, str]] = set()
        for f in report.findings:
            key = (f.severity, f.code, f.keyword_path or f.path or f.module or "")
            if key in seen:
                continue  # one instance counts once per finding
            seen.add(key)
            c = self.counts.get(key)
            if c is None:
                c = self.counts[key] = FindingCount(f.code, f.severity, key[2], f.message)
            c.instances += 1

    def lines(self, show_info: bool = True) -> list[str]:
        """``severity code where: n of m instances`` per finding, errors first."""
        rank = {"error": 0, "warning": 1, "info": 2}
        out = []
        for c in sorted(self.counts.values(),
                        key=lambda c: (rank.get(c.severity, 3), -c.instances, c.code, c.where)):
            if c.severity == "info" and not show_info:
                continue
            where = f" {c.where}" if c.where else ""
            out.append(f"{c.severity:<7} {c.code}{where}: {c.instances} of "
                       f"{self.instances} instances")
        return out

    def title(self) -> str:
        mods = ",".join(sorted(self.modalities)) or _NONE
        if self.kind == "series":
            return (f"series {self.uid} [{mods}] of study {self.study_instance_uid or _NONE}: "
                    f"{_n(self.instances, 'instance')}")
        return (f"study {self.uid} (patient {self.patient_id or _NONE}) [{mods}]: "
                f"{len(self.series)} series, {_n(self.instances, 'instance')}")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "uid": self.uid, "patient_id": self.patient_id, "modalities": sorted(self.modalities),
            "instances": self.instances,
            "findings": [c.to_dict() for c in sorted(
                self.counts.values(), key=lambda c: (c.severity, c.code, c.where))]}
        if self.kind == "series":
            d["study_instance_uid"] = self.study_instance_uid
        else:
            d["series"] = len(self.series)
        return d


def _n(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class Groups:
    """Series and studies of a stream of reports (unreadable input is not grouped)."""

    series: dict[str, Group] = field(default_factory=dict)
    studies: dict[str, Group] = field(default_factory=dict)

    def add(self, report: Any) -> None:
        ident = getattr(report, "identity", None)
        if ident is None or not (ident.series_instance_uid or ident.study_instance_uid):
            return  # unreadable, or not part of a study (a DICOMDIR)
        s_uid = ident.series_instance_uid or _NONE
        st_uid = ident.study_instance_uid or _NONE
        g = self.series.get(s_uid)
        if g is None:
            g = self.series[s_uid] = Group("series", s_uid, ident.patient_id, st_uid)
        g.add(report)
        st = self.studies.get(st_uid)
        if st is None:
            st = self.studies[st_uid] = Group("study", st_uid, ident.patient_id, st_uid)
        st.add(report)

    def to_dict(self) -> dict[str, Any]:
        return {"series": [g.to_dict() for g in self.series.values()],
                "studies": [g.to_dict() for g in self.studies.values()]}

"""``--baseline REPORT.json``: hide the findings a previous JSON report already had.

A finding is known when the previous report (``--format json``) holds one for the same
file (its SOP Instance UID as the report shows it, else its path), with the same code
and attribute path (the tag path, else the keyword path); messages are never compared,
so rewording a message does not resurface a known finding. Each baseline finding hides
at most one finding, so a second occurrence of the same problem is still reported.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from conformance.errors import UsageError

Key = tuple[str, str, str]


def _file_key(path: Any, identity: Any) -> str:
    uid = identity.get("sop_instance_uid") if isinstance(identity, Mapping) else \
        getattr(identity, "sop_instance_uid", None)
    return f"uid:{uid}" if uid else f"path:{path}"


def _where(f: Any) -> str:
    get = f.get if isinstance(f, Mapping) else lambda k: getattr(f, k, None)
    return str(get("path") or get("keyword_path") or "")


class Baseline:
    """The known findings of a previous report, and how many this run hid."""

    def __init__(self, known: Counter[Key], source: str = "") -> None:
        self.known = known
        self.source = source

    @classmethod
    def load(cls, path: str) -> Baseline:
        """Read a ``--format json`` report; UsageError (one line) when it cannot be used."""
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except OSError as exc:
            raise UsageError(f"--baseline {path}: {exc.strerror or exc}") from None
        except (ValueError, RecursionError) as exc:  # not JSON, bad UTF-8, too deep
            raise UsageError(f"--baseline {path}: not a JSON report ({exc})") from None
        known: Counter[Key] = Counter()
        problem = cls._read(doc, known)
        if problem:
            raise UsageError(f"--baseline {path}: not a conformance JSON report "
                             f"(--format json): {problem}")
        return cls(known, path)

    @staticmethod
    def _read(doc: Any, known: Counter[Key]) -> str:
        files = doc.get("files") if isinstance(doc, dict) else None
        if not isinstance(files, list):
            return "no 'files' list"
        for i, entry in enumerate(files):
            findings = entry.get("findings") if isinstance(entry, dict) else None
            if not isinstance(findings, list):
                return f"files[{i}] has no 'findings' list"
            key = _file_key(entry.get("path"), entry.get("identity"))
            for j, f in enumerate(findings):
                if not isinstance(f, dict) or not isinstance(f.get("code"), str):
                    return f"files[{i}].findings[{j}] has no code"
                known[(key, f["code"], _where(f))] += 1
        return ""

    def filter(self, reports: Iterable[Any]) -> Iterator[Any]:
        """``reports`` without their known findings (``baseline_hidden`` counts them)."""
        left = Counter(self.known)  # each known finding hides one finding
        for r in reports:
            key = _file_key(r.path, r.identity)
            kept = []
            for f in r.findings:
                k = (key, f.code, _where(f))
                if left[k] > 0:
                    left[k] -= 1
                else:
                    kept.append(f)
            hidden = len(r.findings) - len(kept)
            yield dataclasses.replace(r, findings=kept, baseline_hidden=hidden) if hidden else r

"""The build's summary of structural anomalies in its sources (the full list is the
build's ``anomalies.json``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, TextIO


def print_anomaly_report(anomalies: list[dict[str, Any]], stream: TextIO, *, out: Path
                         ) -> None:
    """A short summary on ``stream``: the count of each kind and its first occurrence."""
    if not anomalies:
        return
    kinds = Counter((a["part"], a["kind"]) for a in anomalies)
    print(f"{len(anomalies)} structural anomalies in the sources "
          f"(full list in {out / 'anomalies.json'}):", file=stream)
    first: dict[tuple[Any, str], dict[str, Any]] = {}
    for a in anomalies:
        first.setdefault((a["part"], a["kind"]), a)
    for (part, kind), n in sorted(kinds.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        a = first[(part, kind)]
        where = ", ".join(x for x in (f"table {a['table']}" if a["table"] else "",
                                      f"row {a['row']}" if a["row"] is not None else "") if x)
        example = f"{where}: " if where else ""
        print(f"  PS3.{part} {kind} x{n}, e.g. {example}{a['detail'][:140]}", file=stream)

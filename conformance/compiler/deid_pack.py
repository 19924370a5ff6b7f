"""Generate a YAML rule pack from PS3.15 Annex E Table E.1-1 (Basic Profile column).

The pack checks a dataset that claims to be de-identified with the Basic Application
Level Confidentiality Profile. Without the original dataset only part of each action
can be checked; every rule's description says what is and is not checked:

- ``X`` (remove): the attribute is absent.
- ``Z`` (zero length or dummy... PS3.15 E.1: replace with a zero length value, or a
  non-zero length dummy value): here checked as "absent or empty" only for pure ``Z``;
  ``X/Z`` likewise (the weaker of the two).
- ``D`` (replace with a non-zero length dummy value): if present it is not empty. That
  the value differs from the original cannot be checked. ``X/D`` likewise.
- ``U`` (replace with a non-zero length UID, consistent across the set): if present it
  is a valid, non-empty UID under ``${uid_roots}``; by default the roots are 0, 1 and 2
  (any valid UID). A site sets ``params: {uid_roots: [its de-identifier's roots]}`` in a
  pack that extends this one to check that UIDs were actually replaced. ``X/Z/U*``: if
  present and not empty, a valid UID under ``${uid_roots}``.
- ``X/Z/D`` and ``Z/D``: every state (absent, empty, dummy) is allowed or can only be
  told from the original: no rule; listed in the pack's header.

Checks look at top-level attributes only (the profile also applies inside sequences).
Two rules come from PS3.15 E.1.1 itself: Patient Identity Removed (0012,0062) is YES and
De-identification Method (0012,0063) or its Code Sequence (0012,0064) is present.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from conformance.ids import slug

DEFAULT_UID_ROOTS = ("0", "1", "2")
UNCHECKABLE = ("X/Z/D", "Z/D")
# The option columns of Table E.1-1 (PS3.15 E.3): name on the command line -> column key
# in deidentification.json.
OPTIONS = {
    "retain-safe-private": "rtn-safe-priv-opt",
    "retain-uids": "rtn-uids-opt",
    "retain-device-identity": "rtn-dev-id-opt",
    "retain-institution-identity": "rtn-inst-id-opt",
    "retain-patient-characteristics": "rtn-pat-chars-opt",
    "retain-longitudinal-full-dates": "rtn-long-full-dates-opt",
    "retain-longitudinal-modified-dates": "rtn-long-modif-dates-opt",
    "clean-descriptors": "clean-desc-opt",
    "clean-structured-content": "clean-struct-cont-opt",
    "clean-graphics": "clean-graph-opt",
}
# What an option's cell means without the original dataset: K (keep) and C (clean:
# replaced by values of similar meaning that identify no one) allow any value.
_FREE = ("K", "C")


def option_key(name: str) -> str:
    """The column key of an option given by name or key; ValueError naming the options."""
    if name in OPTIONS:
        return OPTIONS[name]
    if name in OPTIONS.values():
        return name
    import difflib

    close = difflib.get_close_matches(name, list(OPTIONS), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise ValueError(f"unknown de-identification option {name!r}; {hint}options: "
                     + ", ".join(OPTIONS))


def effective_action(row: dict[str, Any], options: Iterable[str]) -> str | None:
    """The row's action under the options (column keys): an option's K or C wins (any
    value allowed), else an option's other action, else the Basic Profile's."""
    cells = [(row.get("options") or {}).get(k) for k in options]
    cells = [c for c in cells if isinstance(c, str) and c]
    for free in _FREE:
        if free in cells:
            return free
    if cells:
        return cells[0]
    action = row.get("basic_profile")
    return action if isinstance(action, str) else None
_METHOD_DESC = "PS3.15 E.1.1: the method used is recorded in (0012,0063) and/or (0012,0064)."


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _target(tag: str) -> str:
    return f"({tag[:4]},{tag[4:]})"


def _check(action: str, target: str) -> tuple[str, str, str] | None:
    """(check in YAML flow style, "must be ..." phrase, what is checked) or None."""
    t = _q(target)
    filled = f"{{any: [{{absent: {t}}}, {{not_empty: {t}}}]}}"
    uid = f'{{uid_root: {{target: {t}, roots: "${{uid_roots}}"}}}}'
    if action == "X":
        return f"{{absent: {t}}}", "removed", "absent"
    if action in ("Z", "X/Z"):
        return f"{{not: {{not_empty: {t}}}}}", "absent or empty", "absent or empty"
    if action in ("D", "X/D"):
        return (filled, "a non-empty dummy value if present",
                "if present, not empty (that the dummy differs from the original cannot "
                "be checked)")
    if action == "U":
        return (f"{{all: [{filled}, {uid}]}}", "a replacement UID if present",
                "if present, a non-empty valid UID under the uid_roots parameter")
    if action == "X/Z/U*":
        return (uid, "absent, empty or a replacement UID",
                "if present and not empty, a valid UID under the uid_roots parameter")
    return None


def pack_name(options: Iterable[str] = ()) -> str:
    """``deidentification-basic`` or ``deidentification-basic+retain-uids+...``."""
    names = {v: k for k, v in OPTIONS.items()}
    return "+".join(["deidentification-basic", *(names[option_key(o)] for o in options)])


def pack_yaml(rows: Iterable[dict[str, Any]], *, edition: str, command: str,
              uid_roots: tuple[str, ...] = DEFAULT_UID_ROOTS,
              options: Iterable[str] = ()) -> str:
    """The YAML text of the pack for the Table E.1-1 ``rows`` (deidentification.json),
    with the Basic Profile's actions changed by ``options`` (names or column keys)."""
    keys = [option_key(o) for o in options]
    names = {v: k for k, v in OPTIONS.items()}
    title = "Basic Profile" + "".join(f" + {names[k]}" for k in keys)
    groups: dict[tuple[str, str], list[str]] = {}
    row_actions: dict[tuple[str, str], str] = {}
    skipped: dict[str, list[str]] = {}
    for row in rows:
        action, tag, name = effective_action(row, keys), row.get("tag"), row.get("name") or "?"
        if not isinstance(tag, str) or not isinstance(action, str):
            continue
        if _check(action, "x") is None:
            skipped.setdefault(action, []).append(f"{name} {_target(tag)}")
            continue
        groups.setdefault((name, action), []).append(tag)
        row_actions[(name, action)] = str(row.get("basic_profile"))
    option_line = ("# Options (their columns override the Basic Profile; K keep and C clean "
                   "allow any value): " + ", ".join(names[k] for k in keys)) if keys else None
    lines = [
        f"# Generated from PS3.15 {edition} Table E.1-1 (Basic Application Level",
        "# Confidentiality Profile column). Do not edit; regenerate with:",
        f"#   {command}",
        *([option_line] if option_line else []),
        "# Without the original dataset: X -> absent; Z, X/Z -> absent or empty;",
        "# D, X/D -> not emptied; U -> a valid UID under ${uid_roots}; X/Z/U* -> if valued,",
        "# a valid UID under ${uid_roots}. Top-level attributes only; private attributes",
        "# are reported once per private block, with the number of elements.",
        "# Rows with no checkable constraint (every state allowed without the original):",
    ]
    for action in sorted(skipped):
        lines.append(f"#   {action}: " + "; ".join(skipped[action]))
    lines += [
        "version: 1",
        f"name: {_q(pack_name(keys))}",
        f"description: {_q(f'PS3.15 {edition} E.1-1 {title}, checkable part')}",
        "params:",
        "  # the roots your de-identifier issues replacement UIDs under (default: any UID)",
        "  uid_roots: [" + ", ".join(_q(r) for r in uid_roots) + "]",
        "rules:",
        "  - id: deid-patient-identity-removed",
        "    severity: error",
        '    message: "Patient Identity Removed {tag} must be YES in a de-identified '
        'dataset (found {found})"',
        f"    description: {_q('PS3.15 E.1.1: Patient Identity Removed (0012,0062) = YES.')}",
        '    check: {all: [{not_empty: "(0012,0062)"}, '
        '{equals: {target: "(0012,0062)", value: "YES"}}]}',
        "  - id: deid-method-present",
        "    severity: error",
        '    message: "De-identification Method (0012,0063) or De-identification Method '
        'Code Sequence (0012,0064) must be present"',
        f"    description: {_q(_METHOD_DESC)}",
        '    check: {any: [{not_empty: "(0012,0063)"}, {not_empty: "(0012,0064)"}]}',
    ]
    used: set[str] = set()
    for (name, action), tags in groups.items():
        rid = "deid-" + (slug(name)[:80] or "attribute")
        if rid in used:
            rid = f"{rid}-{tags[0].lower()}"
        used.add(rid)
        checks = [c for c in (_check(action, _target(t)) for t in tags) if c]
        _, must, what = checks[0]
        flow = [c[0] for c in checks]
        check = flow[0] if len(flow) == 1 else "{all: [" + ", ".join(flow) + "]}"
        shown = ", ".join(_target(t) for t in tags)
        found = "found {found}" if action in ("X", "Z", "X/Z") else "{why}"
        basic = row_actions.get((name, action), action)
        column = "Basic Profile" if basic == action else "option"
        private = all(t.lower().startswith("xxx") for t in tags)
        if private:  # one finding per private block, with the count
            msg = (f"{name}: private block {{tag}} has {{count}} element(s) that must be "
                   f"{must} ({column} {action})")
        else:
            msg = f"{name} {{tag}} must be {must} ({column} {action}); {found}"
        desc = (f"PS3.15 {edition} Table E.1-1: {name} {shown}, {column} {action}. "
                f"Checked: {what}.")
        lines += [
            f"  - id: {rid}",
            "    severity: error",
            f"    message: {_q(msg)}",
            f"    description: {_q(desc)}",
            *(["    per: private_block"] if private else []),
            f"    check: {check}",
        ]
    return "\n".join(lines) + "\n"


def generate(out: Path, *, part15: Path | None = None, standard: Path | None = None,
             command: str = "", options: Iterable[str] = ()) -> int:
    """Write the pack to ``out`` from a PS3.15 file or a build folder; returns rule count."""
    if part15 is not None:
        from conformance.compiler.readers.docbook import identify
        from conformance.compiler.readers.part15 import read_part15

        info = identify(Path(part15), expected_part=15)
        rows = read_part15(Path(part15), [])["attributes"]
        edition = info.edition
    else:
        from conformance.errors import StandardDataError
        from conformance.standard import load_standard

        std = load_standard(standard)
        rows = std.deidentification
        if not rows:
            raise StandardDataError(f"{std.path}: no deidentification.json (PS3.15 not built)")
        parts = std.manifest.get("parts", {})
        edition = (parts.get("15") or {}).get("edition") or std.edition
    text = pack_yaml(rows, edition=edition, command=command, options=list(options))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return text.count("\n  - id: ")

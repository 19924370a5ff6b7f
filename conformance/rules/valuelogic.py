"""PN and UID value logic for ``pn_formatted`` and ``uid_root``.

Uses the value checks' own functions (``conformance.checks.values.pn.pn_problems`` /
``uid.uid_problems``) so a rule and the standard check agree; where those modules are
not installed, pydicom's ``UID.is_valid`` and a minimal PN structure check stand in.
"""

from __future__ import annotations

from typing import Any

from pydicom.uid import UID
from pydicom.valuerep import PersonName

# component name in rule files -> pydicom PersonName attribute
COMPONENTS = {"family": "family_name", "given": "given_name", "middle": "middle_name",
              "prefix": "name_prefix", "suffix": "name_suffix"}
_MAX_COMPONENT = 64  # PS3.5 Table 6.2-1 PN: 64 chars per component group


def _shared(module: str, name: str) -> Any:
    try:
        mod = __import__(f"conformance.checks.values.{module}", fromlist=[name])
    except Exception:  # noqa: BLE001 - the value checks are optional here
        return None
    return getattr(mod, name, None)


def pn_problems(text: str, require: tuple[str, ...]) -> list[str]:
    """Why ``text`` is not a well-formed Person Name with the ``require``d components."""
    shared = _shared("pn", "pn_problems")
    problems: list[str] = []
    if shared is not None:  # [(severity, reason)]; both severities mean "not formatted"
        problems.extend(reason for _, reason in shared(text, _MAX_COMPONENT))
    else:
        groups = text.split("=")
        if len(groups) > 3:
            problems.append(f"{len(groups)} component groups (at most 3)")
        for g in groups:
            if len(g) > _MAX_COMPONENT:
                problems.append(f"component group longer than {_MAX_COMPONENT} characters")
            if g.count("^") > 4:
                problems.append(f"{g.count('^') + 1} components (at most 5)")
    pn = PersonName(text)
    for comp in require:
        if not getattr(pn, COMPONENTS[comp], "").strip():
            problems.append(f"no {comp} name component")
    return problems


def uid_problem(text: str) -> str | None:
    """Why ``text`` is not a valid UID (PS3.5 9.1), or None."""
    shared = _shared("uid", "uid_problems")
    if shared is not None:  # [(severity, reason)]; warnings (odd first arc) do not count
        errors = [reason for sev, reason in shared(text) if sev == "error"]
        return "; ".join(errors) or None
    return None if UID(text).is_valid else "not a valid UID (PS3.5 9.1)"


def under_root(text: str, roots: tuple[str, ...]) -> bool:
    """The UID is one of ``roots`` or starts with one of them followed by a dot."""
    return any(text == r or text.startswith(r + ".") for r in roots)

"""Tokens of condition sentences: normalisation of the text and a regex tokenizer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
 (?P<code>\(\s*[^(),"]{1,40}?\s*,\s*[^(),"]{1,40}?\s*,\s*"[^"]*"\s*\))
|(?P<tag>\(\s*[0-9A-Fa-fxX]{4}\s*[,.]\s*[0-9A-Fa-fxX]{4}\s*\)
        |(?<![\w.,(])[0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))
|(?P<quoted>"[^"]*")
|(?P<uid>\d+(?:\.\d+){2,})
|(?P<num>\d+(?:\.\d+)?(?![\w]))
|(?P<word>[A-Za-z0-9][A-Za-z0-9_'/+\-]*)
|(?P<punct>[,;:.()=<>])
""", re.X)
_HEX = re.compile(r"([0-9A-Fa-fxX]{4})\s*[,.]\s*([0-9A-Fa-fxX]{4})")


@dataclass(slots=True)
class Tok:
    kind: str                 # word tag quoted uid num code punct ref mod
    text: str
    low: str = ""
    tag: str | None = None    # ref / tag
    src: list[Tok] = field(default_factory=list)   # ref / mod: the tokens it replaced
    mods: list[str] = field(default_factory=list)  # mod: ids
    mod_kind: str = ""
    joiner: str = "or"        # mod: how several names are joined


class Fail(Exception):
    """This span does not parse."""



# -- tokenizer ---------------------------------------------------------------------


def normalise(text: str) -> str:
    t = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    t = re.sub(r"\b(Required (?:if|when))\s+\1\b", r"\1", t, flags=re.I)
    t = re.sub(r"satisfiedand\b", "satisfied and", t)
    # "(C.7.6.16.2.6)", "(Section C.7.6.16.2.5)", "(see Section 10.2)": cross references
    t = re.sub(r"\s*\((?:see\s+)?(?:Section\s+)?[A-H]?\.?\d+(?:\.\d+)+\)", "", t)
    t = re.sub(r"\bFORPRESENTATION\b", "FOR PRESENTATION", t)
    # "... is LOG U - Optional if ...": a usage letter and its gloss run into the text
    t = re.sub(r"\s+U\s*-\s*Optional if\b", ". May be present if", t)
    # "is TRUE SIZE, in which case the values will ...": an explanation, not a condition
    t = re.sub(r",\s*in which case [^.;]*", "", t)
    return t


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        s = m.group()
        if kind == "tag":
            h = _HEX.search(s)
            assert h is not None
            tag = "".join("x" if c in "xX" else c.upper() for c in h.group(1) + h.group(2))
            out.append(Tok("tag", s, s, tag=tag))
        elif kind == "quoted":
            out.append(Tok("quoted", s[1:-1].strip(), s.lower()))
        else:
            out.append(Tok(kind, s, s.lower()))
    return out



def flatten(t: Tok) -> list[Tok]:
    """The source tokens of a ``ref`` / ``mod`` token (the token itself otherwise)."""
    return [s for x in t.src for s in flatten(x)] if t.kind in ("ref", "mod") else [t]

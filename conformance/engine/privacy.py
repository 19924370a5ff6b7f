"""Patient data out of reports: values of the attributes PS3.15 Table E.1-1 removes or
replaces are masked in finding messages (``'<PN, 12 characters>'``) and identities.

The table comes from the loaded standard's ``deidentification.json`` (its Basic Profile
action: X, Z, D, U or a combination). Every finding message of a dataset, rule packs'
included, passes through one ``Masker`` (``engine/masker.py``) built from that dataset's
identifying values, so
a check does not have to know which of the values it quotes are sensitive. UIDs used as
group keys (study, series) are shown as a short hash, so grouping stays readable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydicom.charset import convert_encodings, decode_bytes
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from conformance.engine.conversion import stored_vr
from conformance.engine.finding import Finding
from conformance.engine.masker import Masker
from conformance.engine.person_name import suggestion

# id(standard) -> (standard, exact tags, (mask, value) patterns, decisions by (tag, VR))
_TABLES: dict[int, tuple[Any, frozenset[int], tuple[tuple[int, int], ...],
                         dict[tuple[int, str | None], bool]]] = {}


def identifying(standard: Any) -> tuple[frozenset[int], tuple[tuple[int, int], ...]]:
    """(exact tags, (mask, value) patterns) of PS3.15 Table E.1-1 in ``standard``.

    A standard without the table falls back to every PN, DA, DT and TM attribute being
    treated as identifying (see ``is_identifying``); never to nothing.
    """
    hit = _TABLES.get(id(standard))
    if hit is not None and hit[0] is standard:
        return hit[1], hit[2]
    exact: set[int] = set()
    masks: list[tuple[int, int]] = []
    for row in getattr(standard, "deidentification", None) or ():
        text = str(row.get("tag", "")).upper()
        if len(text) != 8:
            continue
        if "X" in text:
            mask = int("".join("0" if c == "X" else "F" for c in text), 16)
            masks.append((mask, int(text.replace("X", "0"), 16)))
        else:
            exact.add(int(text, 16))
    _TABLES[id(standard)] = (standard, frozenset(exact), tuple(masks), {})
    return frozenset(exact), tuple(masks)


_MAX_DECISIONS = 10_000  # a real archive meets a few thousand (tag, VR) pairs


def _decisions(standard: Any) -> dict[tuple[int, str | None], bool]:
    """``is_identifying`` answers for ``standard``'s table, kept across datasets: a batch
    meets the same few hundred (tag, VR) pairs in every file."""
    identifying(standard)
    decided = _TABLES[id(standard)][3]
    if len(decided) > _MAX_DECISIONS:  # hostile files make up tags: stay bounded
        decided.clear()
    return decided


_FALLBACK_VRS = frozenset({"PN", "DA", "DT", "TM"})


# File Meta elements that repeat an identifying dataset value (PS3.10 7.1: Media Storage
# SOP Instance UID is the SOP Instance UID, which Table E.1-1 replaces).
FILE_META_IDENTIFYING = frozenset({0x00020003})


def is_identifying(tag: int, table: tuple[frozenset[int], tuple[tuple[int, int], ...]],
                   vr: str | None = None) -> bool:
    """Whether Table E.1-1 removes or replaces ``tag``. Private Creator elements name a
    vendor's block, not the patient, and stay visible (PS3.5 7.8.1)."""
    if tag >> 16 & 1 and 0x10 <= tag & 0xFFFF <= 0xFF:
        return False
    if tag in FILE_META_IDENTIFYING:
        return True
    exact, masks = table
    if not exact and not masks:
        return vr in _FALLBACK_VRS
    return tag in exact or any(tag & m == v for m, v in masks)


def mask(value: str, vr: str | None) -> str:
    """``<PN, 12 characters>``: what is shown instead of an identifying value."""
    return f"<{vr or 'value'}, {len(value)} characters>"


def pseudonym(value: str) -> str:
    """A short stable hash shown instead of a UID used as a group key."""
    return "<UI " + hashlib.blake2b(value.encode(), digest_size=6).hexdigest() + ">"


def _vr(elem: Any, tag: int) -> str | None:
    vr = elem.VR
    if vr is None:
        try:
            vr = dictionary_VR(tag)
        except KeyError:
            vr = None
    return vr


_PN_PARTS = re.compile(r"[\^=]")
_CHARSET_TEXT = "(0008,0005)"
# id(standard) -> (standard, the VRs whose values no character set decodes)
_PLAIN_VRS: dict[int, tuple[Any, frozenset[str]]] = {}


def _plain_vrs(standard: Any) -> frozenset[str]:
    """The VRs of PS3.5 Table 6.2-1 whose character repertoire no Specific Character
    Set (0008,0005) extends: binary VRs, and text of the default repertoire only (CS,
    UI, DA ...). The value checks decode only the others (``_vrspec.VRSpec.extended``);
    a VR the build's table does not list is decoded."""
    hit = _PLAIN_VRS.get(id(standard))
    if hit is not None and hit[0] is standard:
        return hit[1]
    try:
        rows = standard.vrs
    except Exception:  # noqa: BLE001 - a build without the table: every value decoded
        rows = {}
    plain = frozenset(vr for vr, row in (rows.items() if isinstance(rows, dict) else ())
                      if isinstance(row, dict)
                      and _CHARSET_TEXT not in str(row.get("repertoire") or ""))
    _PLAIN_VRS[id(standard)] = (standard, plain)
    return plain
_CHARSET = 0x00080005
_DEFAULT = ["iso8859"]
_DELIMITERS = {0x5C, 0x5E, 0x3D}  # \ ^ =: where ISO 2022 escapes reset (PS3.5 6.1.2.5.3)


def _encodings(holder: Dataset, root: Dataset) -> list[list[str]]:
    """The ways text of ``holder`` is decoded for messages: with its own Specific
    Character Set, else the root's, as stored and as the value checks decode
    (``checks/values/_common``: its empty terms left out, so a leading empty value does
    not make the default repertoire the first), and with the one pydicom gives it
    (inherited from the enclosing items)."""
    out: list[list[str]] = []
    elem = holder._dict.get(_CHARSET) or root._dict.get(_CHARSET)  # type: ignore[call-overload]
    stored = _terms(elem)
    checked = [t for t in stored if t] if stored else None
    for terms in (stored, checked, getattr(holder, "_character_set", None)):
        if isinstance(terms, str):
            terms = [terms]
        try:
            encodings = convert_encodings(list(terms)) if terms else None
        except Exception:  # noqa: BLE001 - an unknown term: that decoding is not made
            encodings = None
        if encodings and encodings not in out:
            out.append(encodings)
    if _DEFAULT not in out:
        # the checks decode with it too: an ESC sequence in text without a character set
        # is taken out, not shown ('Doe\\x1b(B' is quoted 'Doe')
        out.append(_DEFAULT)
    return out


def _terms(elem: Any) -> list[str] | None:
    """The terms of a Specific Character Set element as stored."""
    if elem is None:
        return None
    value = elem.value
    if isinstance(value, bytes):
        value = value.decode("latin-1").split("\\")
    elif isinstance(value, str):
        value = value.split("\\")
    elif not isinstance(value, MultiValue | list | tuple):
        # stored with another VR (IS, US ...): one value, which names no character set
        value = [value]
    return [str(v).strip() for v in value if v is not None]


# id(data set) -> (data set, its ``_encodings``), for one reading of a data set's values
Encodings = dict[int, tuple[Dataset, list[list[str]]]]


def _texts(elem: Any, pn: bool = False, items: list[Dataset] | None = None,
           known: Encodings | None = None) -> list[str]:
    """The value as messages might quote it: stored text (also decoded with the
    character set of ``items[-1]``, the data set holding it, under root ``items[0]``),
    converted values, each also without the white space around it (pydicom strips it
    from a CS value, pn-separator from a name: 'Doe John\\t'), PN parts; for a person's
    name (``pn``) typed without "^", the form pn-separator suggests ('Doe John' ->
    'John^Doe'). ``known``: the character sets of the data sets already met."""
    out: list[str] = []
    for text in _whole_texts(elem, items, known):
        out.append(text)
        bare = text.strip()
        if bare != text:
            out.append(bare)
        if "^" in text or "=" in text:
            out += _PN_PARTS.split(text)
        if pn and "^" not in text:
            fix = suggestion(text.split("=")[0].strip())
            if fix is not None:
                out.append(fix)
    return out


def _held_encodings(items: list[Dataset], known: Encodings | None) -> list[list[str]]:
    """``_encodings`` of the data set ``items[-1]``, made once per data set with
    ``known`` (each of its text values beyond ASCII asks for them)."""
    holder = items[-1]
    hit = known.get(id(holder)) if known is not None else None
    if hit is not None and hit[0] is holder:
        return hit[1]
    got = _encodings(holder, items[0])
    if known is not None:
        known[id(holder)] = (holder, got)
    return got


def _whole_texts(elem: Any, items: list[Dataset] | None = None,
                 known: Encodings | None = None) -> list[str]:
    if type(elem) is RawDataElement:  # the usual case: the value as stored, and each one
        raw = elem.value
        if not isinstance(raw, bytes):
            return []
        text = raw.decode("latin-1", "replace").strip(" \x00")
        out = [text, *text.split("\\")]
        # Messages quote the value as decoded ("Jürgen" under ISO_IR 192); every DICOM
        # character set reads ASCII without escapes as ASCII (PS3.5 6.1).
        if items and (not raw.isascii() or b"\x1b" in raw):
            # the value checks decode it without its padding (pn: NULs and spaces, the
            # VR syntax: NULs): an escape sequence then ends the value and is taken out
            # ('Doe\\x1b$B ' is quoted 'Doe')
            forms = dict.fromkeys((raw, raw.rstrip(b"\x00"), raw.rstrip(b"\x00 ")))
            for encodings in _held_encodings(items, known):
                if encodings == _DEFAULT and b"\x1b" not in raw:
                    continue  # Latin-1: the text itself
                for stored in forms:
                    try:
                        whole = decode_bytes(stored, encodings, _DELIMITERS)
                    except Exception:  # noqa: BLE001 - undecodable: the latin-1 form stands
                        continue
                    # stripped as here, and as decoded (a NUL before an escape stays)
                    for decoded in dict.fromkeys((whole.strip(" \x00"), whole)):
                        if decoded != text and decoded not in out:
                            out += [decoded, *decoded.split("\\")]
        return out
    try:
        value = elem.value
    except Exception:  # noqa: BLE001 - unparsable: nothing to quote
        return []
    values: Iterable[Any] = value if isinstance(value, MultiValue | list | tuple) else (value,)
    return [str(v).strip(" \x00") for v in values
            if v is not None and not isinstance(v, bytes | bytearray | Dataset)]


def identifying_values(ds: Dataset, standard: Any,
                       file_meta: Dataset | None = None, *,
                       within: str | None = None,
                       same: Mapping[tuple[int, int], int] | None = None
                       ) -> dict[str, str]:
    """Each identifying value of ``ds`` (sequences included) and of its File Meta ->
    its mask; with ``within``, only the values that occur in that text (as they are or
    in their ``repr`` form). ``same`` (``per_frame_read.FrameCopies.same``) tells which
    sequences repeat one already read byte for byte: their values are not read again."""
    table = identifying(standard)
    by_tag = bool(table[0] or table[1])  # else the VR decides (the fallback)
    found: dict[str, str] = {}
    decided = _decisions(standard)
    done = object()
    read: set[int] = set()  # the ``same`` numbers of the sequences read
    known: Encodings = {}
    plain = _plain_vrs(standard)

    def visit(root: Dataset) -> None:
        # Depth first in stored order, with a stack of the items being read, not
        # recursion: a hostile file nests sequences thousands of levels deep (found by
        # the fuzz campaign: RecursionError here).
        stack: list[Iterator[Any]] = [iter(list(root._dict.items()))]
        items: list[Dataset] = [root]
        while stack:
            pair: Any = next(stack[-1], done)
            if pair is done:
                stack.pop()
                items.pop()
                continue
            tag: int
            elem: Any
            tag, elem = pair
            stored = elem.VR
            if stored == "SQ" or stored is None and _vr(elem, tag) == "SQ":
                copy = same.get((id(items[-1]), int(tag))) if same else None
                if copy is not None:
                    if copy in read:
                        continue
                    read.add(copy)
                try:
                    seq = items[-1][tag].value or ()
                except Exception:  # noqa: BLE001 - unparsable sequence: nothing to quote
                    continue
                for sub in reversed([sub for sub in seq if isinstance(sub, Dataset)]):
                    stack.append(iter(list(sub._dict.items())))
                    items.append(sub)
                continue
            # An int key: BaseTag's __eq__ is Python, and every lookup would call it.
            key: Any = int(tag) if by_tag else (int(tag), stored)
            ident = decided.get(key)
            if ident is None:
                ident = decided[key] = is_identifying(tag, table, _vr(elem, tag))
            if not ident:
                continue
            vr = None
            read_as = (stored_vr(elem, items[-1]) if type(elem) is RawDataElement
                       else elem.VR)  # the VR the checks read it as
            # a value of a VR no character set extends is quoted as its bytes read as
            # Latin-1, never decoded (a private binary value is seldom ASCII)
            held = None if read_as in plain else items
            for text in _texts(elem, read_as == "PN", held, known):
                if not text or text in found or not text.strip():
                    continue
                if within is not None and text not in within and (
                        _plain(text) or repr(text)[1:-1] not in within):
                    continue
                if vr is None:
                    vr = _vr(elem, tag)
                found[text] = mask(text, vr)

    visit(ds)
    if file_meta is not None:
        visit(file_meta)
    return found


def _plain(text: str) -> bool:
    """Whether ``repr(text)[1:-1] == text`` (no escapes), without making the repr."""
    return text.isprintable() and "\\" not in text and not ("'" in text and '"' in text)


def masked(findings: list[Finding], ds: Dataset, standard: Any,
           file_meta: Dataset | None = None,
           same: Mapping[tuple[int, int], int] | None = None
           ) -> list[Finding]:
    """``findings`` with the identifying values of ``ds`` masked in their messages
    (``same``: see ``identifying_values``)."""
    # Only values that occur in some message can be masked: a hostile file holds
    # thousands of identifying values, and one alternation of them all made masking
    # take minutes (found by fuzzing). A substring test per value is cheap.
    blob = "\n".join(f.message for f in findings)
    values = identifying_values(ds, standard, file_meta, within=blob, same=same)
    masker = Masker(values)
    if not masker:
        return findings
    out = []
    for f in findings:
        m = masker(f.message)
        out.append(f if m == f.message else dataclasses.replace(f, message=m))
    return out

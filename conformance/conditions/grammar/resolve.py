"""Name resolution: attribute names (with or without a tag) and module / macro names in
a token list become single ``ref`` / ``mod`` tokens."""

from __future__ import annotations

from conformance.conditions.grammar.tokens import Tok, flatten
from conformance.conditions.names import NameIndex, norm

# Single English words that are also attribute names; as bare words (no tag) they name
# the thing, not the attribute ("the referenced Item", "Time").
_GENERIC = frozenset({"Item", "Reference", "UID", "Time", "Date", "DateTime", "Location",
                      "Contrast", "Plane", "Planes", "Exposure", "Overlays", "Grid",
                      "Sensitivity", "Illumination", "Signature", "Mass", "Status",
                      "Value", "Frame", "Image", "Images", "Sequence", "Module", "Macro"})
_NAME_JOINERS = frozenset({"of", "in", "for", "to", "per", "on", "with", "at", "-", "/"})
_NOT_NAME = frozenset({"Required", "If", "When", "The", "May", "Shall", "Otherwise", "It",
                       "Either", "Neither", "Both", "And", "Or", "Only"})
# never taken as the first words of a typo'd name before a tag
_NO_ABSORB = frozenset({"Value", "Values", "Tag", "Attributes", "Items"})


def _name_like(t: Tok) -> bool:
    return t.kind == "word" and t.text not in _NOT_NAME and (
        t.text[0].isupper() or t.text[0].isdigit() or any(c.isupper() for c in t.text))


def resolve_refs(toks: list[Tok], names: NameIndex, kind: str) -> list[Tok]:
    out: list[Tok] = []
    i, n = 0, len(toks)
    norms = [norm(t.text) if t.kind in ("word", "num") else "" for t in toks]
    while i < n:
        t = toks[i]
        if t.kind == "word" and t.low in ("module", "modules", "macro", "macros", "group",
                                           "groups"):
            j = _module_phrase(out, toks, i, names, kind)
            if j:
                i = j
                continue
        if t.kind == "word" and _name_like(t):
            m = _match_name(toks, norms, i, names)
            if m is not None:
                length, tag = m
                j = i + length
                src = toks[i:j]
                if j < n and toks[j].kind == "tag":
                    tag = toks[j].tag
                    src = src + [toks[j]]
                    j += 1
                    src = _absorb_junk(out, names) + src
                elif (length == 1 and t.text in _GENERIC) or not _case_ok(
                        src, names.name_of(tag or "")):
                    out.append(t)
                    i += 1
                    continue
                assert tag is not None
                out.append(Tok("ref", " ".join(s.text for s in src), tag=tag, src=src))
                i = j
                continue
        if t.kind == "tag":
            src = _absorb_junk(out, names) + [t]
            out.append(Tok("ref", " ".join(s.text for s in src), tag=t.tag, src=src))
            i += 1
            continue
        out.append(t)
        i += 1
    return out


def _case_ok(src: list[Tok], name: str) -> bool:
    """An upper-case word (a value: TIME, GRID) only names an attribute spelt that way."""
    words = set(name.split())
    for t in src:
        w = t.text
        if len(w) > 1 and w.isupper() and w not in words:
            return False
    return True


def _match_name(toks: list[Tok], norms: list[str], i: int,
                names: NameIndex) -> tuple[int, str] | None:
    """Longest attribute name starting at token ``i``: (length in tokens, tag)."""
    first = norms[i]
    longest = names.first_words.get(first)
    if longest is None and first.endswith("s"):
        longest = names.first_words.get(first[:-1])
    if longest is None:
        return None
    # names may contain "(Patient)"-like parentheses: allow a few extra tokens
    limit = min(len(toks), i + longest + 4)
    key = ""
    best: tuple[int, str] | None = None
    for j in range(i, limit):
        t = toks[j]
        if t.kind == "word" or t.kind == "num":
            key += norms[j]
        elif t.kind == "punct" and t.text in "()" or t.kind == "uid":
            key += norm(t.text)
        else:
            break
        if t.kind == "punct":
            opened = sum(1 for x in toks[i:j] if x.text == "(")
            closed = sum(1 for x in toks[i:j] if x.text == ")")
            if t.text == ")" and best is not None and best[0] == j - i and opened > closed:
                best = (j - i + 1, best[1])      # "Image Position (Patient)"
            continue
        tag = names.lookup_norm(key)
        if tag is not None and not tag.startswith("FFFE"):
            best = (j - i + 1, tag)
    return best


def _absorb_junk(out: list[Tok], names: NameIndex) -> list[Tok]:
    """Name words left before a tag (a typo'd or reworded name): they belong to the ref."""
    k = len(out)
    while k > 0:
        t = out[k - 1]
        name_word = (t.kind == "word" and t.text not in _NOT_NAME and t.text not in _NO_ABSORB
                     and (t.text[0].isupper() or t.text[0].isdigit())
                     and (names.in_vocabulary(t.text) or not t.text.isupper()))
        joiner = (t.kind == "word" and t.low in _NAME_JOINERS and k > 1
                  and out[k - 2].kind == "word" and out[k - 2].text[:1].isupper())
        paren = (t.text == ")" and k > 2 and out[k - 3].text == "("
                 and out[k - 2].kind == "word" and out[k - 2].text[:1].isupper())
        if paren:            # "Plane Position (Patient) Sequence (0020,9113)"
            k -= 3
            continue
        if not (name_word or joiner):
            break
        k -= 1
    while k < len(out) and out[k].low in _NAME_JOINERS:
        k += 1
    # "Conceptual Volume Combination Flag Indicator (3010,000E)": a bare name match
    # followed by more name words before the tag belongs to this ref
    if k < len(out) and k > 0 and out[k - 1].kind == "ref" and \
            not any(x.kind == "tag" for x in out[k - 1].src):
        k -= 1
    taken = out[k:]
    del out[k:]
    return taken



def _module_phrase(out: list[Tok], toks: list[Tok], i: int, names: NameIndex,
                   kind: str) -> int:
    """``A or B Macros`` / ``the X Module``: replace with a mod token; return next index."""
    t = toks[i]
    j = i + 1
    if t.low in ("group", "groups"):
        if not out or out[-1].low != "functional":
            return 0
        mkind = "functional_group"
        if j < len(toks) and toks[j].low in ("macro", "macros"):
            j += 1
    elif t.low in ("module", "modules"):
        mkind = "module"
    else:
        mkind = "functional_group" if kind == "fg_macro_usage" else "macro"
    # collect the name words before the keyword
    k = len(out)
    while k > 0 and (out[k - 1].kind in ("word", "num")
                     or (out[k - 1].kind == "ref" and not any(x.kind == "tag"
                                                              for x in out[k - 1].src))
                     or (out[k - 1].kind == "punct" and out[k - 1].text in "(),/")):
        if out[k - 1].kind == "word" and out[k - 1].low in ("the", "a", "an", "if", "is",
                                                            "are", "when", "not"):
            break
        k -= 1
    words = [s for x in out[k:] for s in flatten(x)]
    if words and words[-1].low == "functional":
        words = words[:-1]
        mkind = "functional_group"
    lookup_kind = "module" if mkind == "module" else "macro"
    ids: list[str] = []
    joiner = "or"
    end = len(words)
    while end > 0:
        found = None
        for start in range(0, end):
            if not words[start].text[:1].isupper():
                continue
            ident = _module_lookup(names, " ".join(w.text for w in words[start:end]),
                                   lookup_kind)
            if ident:
                found = (start, ident)
                break
        if found is None:
            break
        start, ident = found
        ids.insert(0, ident)
        end = start
        # another name before a separator ("A, B or C Macros")?
        sep = end
        while sep > 0 and words[sep - 1].low in ("or", "and", ","):
            sep -= 1
        if sep == end or sep == 0:
            break
        if not any(_module_lookup(names, " ".join(w.text for w in words[s0:sep]), lookup_kind)
                   for s0 in range(0, sep) if words[s0].text[:1].isupper()):
            break
        if any(w.low == "and" for w in words[sep:end]):
            joiner = "and"
        end = sep
    if not ids:
        return 0
    keep = words[:end]
    del out[k:]
    out.extend(keep)
    used = words[end:] + toks[i:j]
    out.append(Tok("mod", " ".join(w.text for w in used), src=used, mods=ids,
                   mod_kind=mkind, joiner=joiner))
    return j


def _module_lookup(names: NameIndex, name: str, kind: str) -> str | None:
    table = names.modules if kind == "module" else names.macros
    if table:
        return names.module_id(name, kind)
    # no table names known: any capitalised name is taken at its word (slug id)
    if all(w[:1].isupper() or w[:1] in "(/" or w.lower() in _NAME_JOINERS
           for w in name.split()):
        from conformance.ids import slug
        return slug(name)
    return None

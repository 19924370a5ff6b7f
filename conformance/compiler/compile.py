"""Raw reader tables -> compiled tables: conditions parsed, SOP classes resolved, counted.

The condition parser (``conformance.conditions.parser``) is imported lazily; when it is
not importable every Condition keeps ``expr: None`` with an error saying so. A sentence
that does not parse never fails the build (CONTRACTS.md "Condition").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.ids import slug, strip_caption

Parse = Callable[[str, str], dict[str, Any]]
UNAVAILABLE = "condition parser unavailable"


@dataclass
class Raw:
    """Everything the readers produced for one build."""

    iods: dict[str, Any] = field(default_factory=dict)
    modules: dict[str, Any] = field(default_factory=dict)
    macros: dict[str, Any] = field(default_factory=dict)
    sop_classes: dict[str, Any] = field(default_factory=dict)
    elements: dict[str, Any] = field(default_factory=dict)
    uids: dict[str, Any] = field(default_factory=dict)
    vrs: dict[str, Any] = field(default_factory=dict)
    # PS3.5 8.2: {transfer syntax UID: {"table", "photometric": {samples: [PI, ...]}}}
    pixel_encodings: dict[str, Any] = field(default_factory=dict)
    deidentification: list[dict[str, Any]] | None = None
    # PS3.16 context groups (cids.json); None: the build has none.
    cids: dict[str, Any] | None = None
    srt_to_sct: dict[str, str] = field(default_factory=dict)
    # Which tables a part supplied when sources are mixed (manifest "supplies").
    supplies: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Compiled:
    """The documents of a build folder (without manifest) and their counts."""

    documents: dict[str, dict[str, Any]]
    counts: dict[str, int]
    names: str


def cids_document(raw: Raw) -> dict[str, Any]:
    """``cids.json``: the PS3.16 context groups as read (``raw.cids`` must be there)."""
    assert raw.cids is not None
    return {"cids": dict(raw.cids), "srt_to_sct": dict(raw.srt_to_sct)}


def compile_tables(raw: Raw, *, parse: Parse | None = None) -> Compiled:
    """Compile ``raw`` into the documents of CONTRACTS.md "Build folder".

    ``parse(text, kind)`` overrides the condition parser (tests); by default the parser
    is built with a NameIndex from this build's dictionary, else pydicom's.
    """
    names = "ps3.6" if raw.elements else "pydicom"
    if parse is None:
        parse, names = _default_parser(raw)
    cache: dict[tuple[str, str], dict[str, Any]] = {}
    stats = {"conditions": 0, "conditions_parsed": 0}

    def condition(cond: Any, kind: str) -> dict[str, Any] | None:
        if cond is None:
            return None
        text = cond if isinstance(cond, str) else str(cond.get("text") or "")
        key = (text, kind)
        result = cache.get(key)
        if result is None:
            result = _safe_parse(parse, text, kind)
            cache[key] = result
        out = {} if isinstance(cond, str) else dict(cond)
        # The reader may know "otherwise" from the row when the parser could not say.
        out.update({k: v for k, v in result.items()
                    if v is not None or k != "otherwise" or out.get("otherwise") is None})
        out["text"] = text
        stats["conditions"] += 1
        if out.get("expr") is not None:
            stats["conditions_parsed"] += 1
        return out

    iods = {k: _compile_iod(v, condition) for k, v in sorted(raw.iods.items())}
    modules = {k: _compile_table(v, condition) for k, v in sorted(raw.modules.items())}
    macros = {k: _compile_table(v, condition) for k, v in sorted(raw.macros.items())}
    sop_classes = resolve_sop_classes(raw.sop_classes, iods, raw.uids)
    documents: dict[str, dict[str, Any]] = {
        "iods": {"iods": iods},
        "modules": {"modules": modules, "macros": macros},
        "sop_classes": {"sop_classes": sop_classes},
        "dictionary": {"elements": dict(sorted(raw.elements.items())),
                       "uids": dict(sorted(raw.uids.items()))},
        "vrs": {"vrs": dict(sorted(raw.vrs.items())),
                **({"pixel_encodings": dict(sorted(raw.pixel_encodings.items()))}
                   if raw.pixel_encodings else {})},
    }
    if raw.deidentification is not None:
        documents["deidentification"] = {"attributes": list(raw.deidentification)}
    if raw.cids is not None:
        documents["cids"] = cids_document(raw)
    counts = {
        "iods": len(iods),
        "modules": len(modules),
        "macros": len(macros),
        "attributes": sum(1 for t in (*modules.values(), *macros.values())
                          for _ in iter_attributes(t.get("attributes", []))),
        "sop_classes": len(sop_classes),
        "dictionary": len(raw.elements),
        "uids": len(raw.uids),
        "vrs": len(raw.vrs),
        **({"cids": len(raw.cids)} if raw.cids is not None else {}),
        **stats,
    }
    return Compiled(documents, counts, names)


def _safe_parse(parse: Parse, text: str, kind: str) -> dict[str, Any]:
    try:
        result = parse(text, kind)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not fail the build
        return {"expr": None, "otherwise": None,
                "error": f"parser failed: {type(exc).__name__}: {exc}"}
    out = dict(result)
    for key in ("expr", "otherwise", "error"):
        out.setdefault(key, None)
    return out


def _compile_iod(iod: dict[str, Any], condition: Callable[..., Any]) -> dict[str, Any]:
    out = dict(iod)
    out["modules"] = [dict(m, condition=condition(m.get("condition"), "module_usage"))
                      for m in iod.get("modules", [])]
    out["functional_groups"] = [
        dict(g, condition=condition(g.get("condition"), "fg_macro_usage"))
        for g in iod.get("functional_groups", [])]
    return out


def _compile_table(table: dict[str, Any], condition: Callable[..., Any]) -> dict[str, Any]:
    out = dict(table)
    out["attributes"] = _compile_nodes(table.get("attributes", []), condition)
    return out


_KIND_OF_TYPE = {"1C": "attribute_1C", "2C": "attribute_2C", "3": "attribute_3"}


def _compile_nodes(nodes: list[dict[str, Any]], condition: Callable[..., Any]
                   ) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        new = dict(node)
        if node.get("kind") == "include":
            new["condition"] = condition(node.get("condition"), "attribute_1C")
        else:
            kind = _KIND_OF_TYPE.get(str(node.get("type", "")), "attribute_1C")
            new["condition"] = condition(node.get("condition"), kind)
            new["children"] = _compile_nodes(node.get("children") or [], condition)
        out.append(new)
    return out


def iter_attributes(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every attribute node of a table, depth first (includes are not expanded)."""
    for node in nodes:
        if node.get("kind") == "attribute":
            yield node
            yield from iter_attributes(node.get("children") or [])


def resolve_sop_classes(sops: dict[str, Any], iods: dict[str, Any], uids: dict[str, Any]
                        ) -> dict[str, Any]:
    """Point each SOP class at an IOD of this build (``iod: None`` when absent).

    Tried in order: the reader's ``iod`` id, the slug of ``iod_name``, then the PS3.4
    reference: the IOD whose PS3.3 section lies in the referenced section's subtree
    (``conformance.compiler.readers.part04.resolve_iods``). ``retired`` is also taken from
    the UID registry, where PS3.6 marks retired SOP classes.
    """
    by_name = {slug(iod.get("name", "")): iod_id for iod_id, iod in iods.items()}
    out = {}
    for uid, sop in sorted(sops.items()):
        new = dict(sop)
        new.setdefault("uid", uid)
        new.setdefault("reference", None)
        iod_name = sop.get("iod_name")
        candidates = [sop.get("iod"), by_name.get(slug(strip_caption(iod_name))) if iod_name
                      else None]
        new["iod"] = next((c for c in candidates if c and c in iods), None)
        new["iod_name"] = iod_name
        registry = uids.get(uid) or {}
        new["retired"] = bool(sop.get("retired")) or bool(registry.get("retired"))
        out[uid] = new
    unresolved = {uid: sop for uid, sop in out.items() if sop["iod"] is None}
    if unresolved and iods:
        from conformance.compiler.readers.part04 import resolve_iods

        # Its anomalies (SOP classes whose IOD is not in this build) are expected for an
        # excerpt and already visible as ``iod: null``.
        resolve_iods(unresolved, iods, [])
        for sop in unresolved.values():
            if sop["iod"] is not None and sop["iod"] not in iods:
                sop["iod"] = None
    return out


def _default_parser(raw: Raw) -> tuple[Parse, str]:
    try:
        from conformance.conditions.names import NameIndex
        from conformance.conditions.parser import parse_condition
    except ImportError:
        return (lambda _text, _kind: {"expr": None, "otherwise": None, "error": UNAVAILABLE},
                "unavailable")
    tables = {"modules": {k: v.get("name", "") for k, v in raw.modules.items()},
              "macros": {k: v.get("name", "") for k, v in raw.macros.items()}}
    if raw.elements:
        names = "ps3.6"
        index = NameIndex.from_elements(raw.elements, uids=raw.uids, **tables)
    else:
        import pydicom

        names = f"pydicom {pydicom.__version__}"
        index = NameIndex.from_pydicom(**tables)

    def parse(text: str, kind: str) -> dict[str, Any]:
        return parse_condition(text, kind=kind, names=index)

    return parse, names

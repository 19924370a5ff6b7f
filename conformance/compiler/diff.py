"""What changed between two builds of the standard: IODs, tables, attributes, dictionary.

Attributes are matched by their path inside a table (tags from the table's top level
down through sequences, ``/``-separated; include rows as ``include:KIND:ID``), so a
moved row shows as removed + added and a retyped row as changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.standard import Standard

ELEMENT_FIELDS = ("name", "keyword", "vr", "vm", "retired")
UID_FIELDS = ("name", "keyword", "type", "retired")
SOP_FIELDS = ("name", "iod", "iod_name", "retired")


def diff_standards(a: Standard, b: Standard) -> dict[str, Any]:
    """The structured difference from ``a`` (old) to ``b`` (new); JSON-serialisable."""
    return {
        "a": {"path": str(a.path), "edition": a.edition},
        "b": {"path": str(b.path), "edition": b.edition},
        "iods": _diff_mapping(a.iods, b.iods, _diff_iod),
        "modules": _diff_mapping(a.modules, b.modules, _diff_table),
        "macros": _diff_mapping(a.macros, b.macros, _diff_table),
        "dictionary": _diff_mapping(a.dictionary.elements, b.dictionary.elements,
                                    lambda x, y: _diff_fields(x, y, ELEMENT_FIELDS)),
        "uids": _diff_mapping(a.dictionary.uids, b.dictionary.uids,
                              lambda x, y: _diff_fields(x, y, UID_FIELDS)),
        "sop_classes": _diff_mapping(a.sop_classes, b.sop_classes,
                                     lambda x, y: _diff_fields(x, y, SOP_FIELDS)),
        "cids": _diff_mapping(_cids(a), _cids(b), _diff_cid),
    }


def _cids(std: Standard) -> dict[str, Any]:
    groups = std.cids
    return {} if groups is None else {k: dict(v, name=f"CID {k} {v.get('name')}")
                                      for k, v in groups.entries.items()}


def _diff_cid(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _diff_fields(a, b, ("keyword", "extensible"))
    ca = {(s, v) for s, v, _ in a.get("codes", ())}
    cb = {(s, v) for s, v, _ in b.get("codes", ())}
    if ca != cb:
        out["codes"] = [f"{len(ca)} codes", f"{len(cb)} codes (+{len(cb - ca)} -{len(ca - cb)})"]
    return out


def summary(diff: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Counts of added / removed / changed per section."""
    return {key: {k: len(diff[key][k]) for k in ("added", "removed", "changed")}
            for key in ("iods", "modules", "macros", "dictionary", "uids", "sop_classes",
                        "cids") if key in diff}


def _diff_mapping(a: dict[str, Any], b: dict[str, Any], differ: Any) -> dict[str, Any]:
    changed = {}
    for key in sorted(a.keys() & b.keys()):
        d = differ(a[key], b[key])
        if d:
            changed[key] = d
    added, removed = sorted(b.keys() - a.keys()), sorted(a.keys() - b.keys())
    names = {k: _name(b[k]) for k in added} | {k: _name(a[k]) for k in removed}
    return {"added": added, "removed": removed, "changed": changed, "names": names}


def _name(entry: Any) -> str | None:
    return entry.get("name") if isinstance(entry, dict) else None


def _diff_fields(a: dict[str, Any], b: dict[str, Any], fields: tuple[str, ...]
                 ) -> dict[str, list[Any]]:
    return {f: [a.get(f), b.get(f)] for f in fields if a.get(f) != b.get(f)}


def _cond_text(cond: dict[str, Any] | None) -> str | None:
    return None if cond is None else cond.get("text")


def _diff_iod(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _diff_fields(a, b, ("name",))
    mods = _diff_rows({m["module"]: m for m in a.get("modules", [])},
                      {m["module"]: m for m in b.get("modules", [])}, ("ie", "usage"))
    if mods:
        out["modules"] = mods
    fgs = _diff_rows({g["macro"]: g for g in a.get("functional_groups", [])},
                     {g["macro"]: g for g in b.get("functional_groups", [])}, ("usage",))
    if fgs:
        out["functional_groups"] = fgs
    return out


def _diff_rows(a: dict[str, Any], b: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Rows matched by key, in ``a``'s order: ``fields`` and condition text compared."""
    changed = {}
    for key in [k for k in a if k in b]:
        d = _diff_fields(a[key], b[key], fields)
        ta, tb = _cond_text(a[key].get("condition")), _cond_text(b[key].get("condition"))
        if ta != tb:
            d["condition"] = [ta, tb]
        if d:
            changed[key] = d
    added = [k for k in b if k not in a]
    removed = [k for k in a if k not in b]
    if not (changed or added or removed):
        return {}
    return {"added": added, "removed": removed, "changed": changed}


def _diff_table(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = _diff_fields(a, b, ("name",))
    attrs = _diff_rows(_with_cid_text(attribute_rows(a.get("attributes", []))),
                       _with_cid_text(attribute_rows(b.get("attributes", []))),
                       ("name", "type", "context_groups"))
    if attrs:
        out["attributes"] = attrs
    return out


def _with_cid_text(rows: Iterator[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Rows whose context group constraints read ``"defined CID 4030"`` (compared as text)."""
    out = {}
    for path, node in rows:
        groups = [f"{g.get('strength') or 'mentioned'} CID {g['cid']}"
                  + (f" on {g['attr']}" if g.get("attr") else "")
                  for g in node.get("context_groups") or ()]
        out[path] = dict(node, context_groups=", ".join(groups) or None)
    return out


def attribute_rows(nodes: list[dict[str, Any]], prefix: str = ""
                   ) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(path, node)`` of every attribute and include row of a table, in document order."""
    seen: dict[str, int] = {}
    for node in nodes:
        if node.get("kind") == "include":
            inc = node.get("include", {})
            key = f"include:{inc.get('kind')}:{inc.get('id')}"
        else:
            key = str(node.get("tag"))
        n = seen.get(key, 0) + 1
        seen[key] = n
        path = prefix + key + (f"#{n}" if n > 1 else "")
        yield path, node
        if node.get("kind") == "attribute":
            yield from attribute_rows(node.get("children") or [], path + "/")


def display_path(path: str) -> str:
    """``"00081115/0020000E"`` -> ``"(0008,1115) > (0020,000E)"``."""
    return " > ".join(f"({p[:4]},{p[4:8]}){p[8:]}" if _is_tag(p) else p for p in path.split("/"))


def _is_tag(part: str) -> bool:
    head = part.split("#")[0]
    return len(head) == 8 and all(c in "0123456789ABCDEFx" for c in head)


def format_text(diff: dict[str, Any]) -> str:
    """A readable report grouped by section."""
    lines = [f"--- {diff['a']['path']} ({diff['a']['edition']})",
             f"+++ {diff['b']['path']} ({diff['b']['edition']})"]
    counts = summary(diff)
    lines.append("summary: " + "; ".join(
        f"{k}: +{v['added']} -{v['removed']} ~{v['changed']}" for k, v in counts.items()))
    for key, title in (("iods", "IODs"), ("modules", "Modules"), ("macros", "Macros")):
        section = diff[key]
        if not any(section.values()):
            continue
        lines += ["", f"== {title} =="]
        lines += [f"+ {k}{_named(section, k)}" for k in section["added"]]
        lines += [f"- {k}{_named(section, k)}" for k in section["removed"]]
        for name, change in section["changed"].items():
            lines.append(f"~ {name}")
            lines += _format_change(change)
    for key, title in (("dictionary", "Dictionary elements"), ("uids", "UID registry"),
                       ("sop_classes", "SOP classes"), ("cids", "PS3.16 context groups")):
        section = diff.get(key) or {}
        if not any(section.values()):
            continue
        lines += ["", f"== {title} =="]
        label = display_path if key == "dictionary" else str
        lines += [f"+ {label(k)}{_named(section, k)}" for k in section["added"]]
        lines += [f"- {label(k)}{_named(section, k)}" for k in section["removed"]]
        for name, change in section["changed"].items():
            what = ", ".join(f"{f}: {_v(x)} -> {_v(y)}" for f, (x, y) in change.items())
            lines.append(f"~ {label(name)}: {what}")
    return "\n".join(lines) + "\n"


def _named(section: dict[str, Any], key: str) -> str:
    name = section.get("names", {}).get(key)
    return f"  {name}" if name else ""


def _format_change(change: dict[str, Any]) -> list[str]:
    out = []
    if "name" in change:
        out.append(f"    name: {_v(change['name'][0])} -> {_v(change['name'][1])}")
    for group in ("modules", "functional_groups", "attributes"):
        if group not in change:
            continue
        rows = change[group]
        label = display_path if group == "attributes" else str
        out += [f"    + {label(k)}" for k in rows["added"]]
        out += [f"    - {label(k)}" for k in rows["removed"]]
        for key, d in rows["changed"].items():
            bits = []
            for field, (x, y) in d.items():
                if field == "type":
                    bits.append(f"type {x or '-'} -> {y or '-'}")
                elif field == "usage":
                    bits.append(f"usage {x} -> {y}")
                else:
                    bits.append(f"{field}: {_v(x)} -> {_v(y)}")
            out.append(f"    ~ {label(key)}: " + "; ".join(bits))
    return out


def _v(value: Any, limit: int = 120) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= limit else text[: limit - 3] + "..."

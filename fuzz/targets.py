"""What the fuzz campaigns run: DICOM files, rule files and standard folders.

A target has seeds (``seeds()``), a structure-aware ``mutate(data, rng)`` and ``run(data)``.
``run`` raises :class:`Failure` for a wrong outcome: an ``internal-error`` finding (a
check broke), a standard that validates although it is damaged (a false pass), or a
rule file / standard error that is not the typed ``ConformanceError``. Any other
exception escaping ``validate()`` is a failure too; the harness adds the time and
memory limits.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

from fuzz import hostile
from fuzz.mutate import mutate as mutate_dicom

REPO = Path(__file__).resolve().parents[1]


class Failure(Exception):
    """The target misbehaved on this input."""


def testdata_files(max_size: int) -> list[Path]:
    """pydicom's test files and pydicom-data's (when installed), at most ``max_size``
    bytes each, in a fixed order."""
    from pydicom.data import get_testdata_files

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files = sorted({Path(p) for p in get_testdata_files()})
    return [p for p in files if p.is_file() and p.stat().st_size <= max_size]


def _internal_errors(report: Any) -> list[str]:
    return [f.message for f in report.findings if f.code == "internal-error"]


class DicomTarget:
    """``Validator.validate(bytes)`` on mutated pydicom test files."""

    name = "dicom"

    def __init__(self, max_size: int = 128 << 10) -> None:
        self.max_size = max_size

    def prepare(self) -> None:
        """Load what every execution shares (the standard), before the first input."""
        self.validator.validate(hostile.ct_small())

    @cached_property
    def validator(self) -> Any:
        from conformance import Validator

        return Validator()

    def seeds(self) -> list[bytes]:
        out = [p.read_bytes() for p in testdata_files(self.max_size)]
        out += [hostile.unknown_vr_tail(), hostile.stray_sequence_delimiter(),
                hostile.sop_class_as("AT"), hostile.deep_nesting(70),
                hostile.item_longer_than_sequence()]
        return out

    def mutate(self, data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
        return mutate_dicom(data, rng, corpus, self.max_size)

    def run(self, data: bytes) -> None:
        report = self.validator.validate(data)
        bad = _internal_errors(report)
        if bad:
            raise Failure(f"internal-error: {bad[0]}")


# -- rule files -------------------------------------------------------------------------

HOSTILE_SCALARS: tuple[Any, ...] = (
    None, "", 0, -1, 1e308, True, [], {}, "x" * 5000, "(a+)+$", "(?:x|a{0,16}a{0,16})*c",
    ".*a.*a.*a.*c", "\\1", "(?P<n>a)(?P=n)", "[", "{keyword:>1000000000}", "{0}", "{}",
    "{keyword!r}", "{value.__class__}", "/dev/zero", "/etc/shadow", "../../../etc/passwd",
    "PatientID", "ReferencedSeriesSequence[*].SeriesInstanceUID", "(0010,0010)",
    "Sequence[99999999999]", "\x00", "\x1b[31m", {"not": {"not": {"not": {}}}},
    {"all": []}, {"any": [{"present": "PatientID"}] * 50})


class RulesTarget:
    """Rule files: YAML structure mutations of the shipped packs and hostile rules;
    loading raises RuleFileError or gives a pack that validates CT_small cleanly."""

    name = "rules"

    def __init__(self, max_size: int = 128 << 10) -> None:
        self.max_size = max_size
        self.tmp = Path(tempfile.mkdtemp(prefix="fuzz-rules-"))

    def prepare(self) -> None:
        from conformance import Validator

        Validator().validate(hostile.ct_small())

    def seeds(self) -> list[bytes]:
        packs = [p.read_bytes() for p in sorted((REPO / "rules").glob("*.yaml"))]
        return packs + [t.encode() for t in (
            hostile.rule_exponential_regex(), hostile.rule_polynomial_regex(),
            hostile.rule_format_spec(), hostile.rule_extends("/dev/zero"),
            hostile.rule_extends("self.yaml"), hostile.rule_extends("/etc/hostname"))]

    def mutate(self, data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
        import yaml

        try:
            doc = yaml.safe_load(data.decode("utf-8", "replace"))
        except yaml.YAMLError:
            doc = None
        if doc is None or rng.random() < 0.1:  # text-level damage
            buf = bytearray(data)
            for _ in range(rng.randint(1, 6)):
                if buf:
                    buf[rng.randrange(len(buf))] = rng.choice(b":-[]{}&*!|>'\"#%@` \n\t\x00")
            return bytes(buf)
        for _ in range(rng.randint(1, 3)):
            doc = _mutate_tree(doc, rng)
        try:
            return yaml.safe_dump(doc, sort_keys=False).encode()
        except (yaml.YAMLError, RecursionError):
            return data

    def run(self, data: bytes) -> None:
        from conformance import Validator
        from conformance.errors import ConformanceError

        path = self.tmp / "self.yaml"
        path.write_bytes(data)
        try:
            validator = Validator(rules=[str(path)])
        except ConformanceError:
            return  # one clear error line: what a broken rule file must give
        report = validator.validate(hostile.ct_small())
        bad = _internal_errors(report)
        if bad:
            raise Failure(f"internal-error: {bad[0]}")
        for f in report.findings:
            if len(f.message) > 100_000:
                raise Failure(f"finding message of {len(f.message)} characters")


def _mutate_tree(node: Any, rng: random.Random, depth: int = 0) -> Any:
    """One change somewhere in a YAML tree: a hostile scalar, a dropped or duplicated
    key or item, deep nesting, a type swap."""
    if depth > 12 or rng.random() < 0.15:
        r = rng.random()
        if r < 0.6:
            return rng.choice(HOSTILE_SCALARS)
        if r < 0.8:
            wrapped: Any = node
            for _ in range(rng.choice((2, 30, 200))):
                wrapped = {"not": wrapped} if rng.random() < 0.5 else [wrapped]
            return wrapped
        return [node] if not isinstance(node, list) else {"x": node}
    if isinstance(node, dict) and node:
        key = rng.choice(list(node))
        if rng.random() < 0.1:
            node = dict(node)
            del node[key]
            return node
        node = dict(node)
        node[key] = _mutate_tree(node[key], rng, depth + 1)
        return node
    if isinstance(node, list) and node:
        node = list(node)
        i = rng.randrange(len(node))
        if rng.random() < 0.1:
            node.append(node[i])
        else:
            node[i] = _mutate_tree(node[i], rng, depth + 1)
        return node
    return rng.choice(HOSTILE_SCALARS)


# -- standard folders -------------------------------------------------------------------

class StandardTarget:
    """Build folders with files deleted, truncated, corrupted or violating their schema:
    loading and validating raises StandardDataError, or gives the same report as the
    intact folder (anything else is a false pass or a crash)."""

    name = "standard"
    FILES = ("manifest.json", "iods.json.gz", "modules.json.gz", "sop_classes.json.gz",
             "dictionary.json.gz", "vrs.json.gz", "tables.zip", "anomalies.json.gz",
             "deidentification.json.gz")

    def __init__(self, max_size: int = 128 << 10) -> None:
        from conformance.standard.loader import bundled_path

        self.max_size = max_size
        bundled = bundled_path()
        assert bundled is not None, "the fuzz target needs the bundled standard"
        self.pristine = Path(tempfile.mkdtemp(prefix="fuzz-std-")) / "std"
        shutil.copytree(bundled, self.pristine)
        self.work = self.pristine.parent / "work"
        self.dataset = _missing_type1(hostile.ct_small())

    def prepare(self) -> None:
        _ = self.expected

    @cached_property
    def expected(self) -> list[tuple[str, str]]:
        return self._findings(self.pristine)

    def _findings(self, folder: Path) -> list[tuple[str, str]]:
        from conformance import Validator
        from conformance.standard.loader import Standard

        report = Validator(standard=Standard(folder)).validate(self.dataset)
        return [(f.code, f.path) for f in report.findings]

    def seeds(self) -> list[bytes]:
        return [json.dumps({"ops": []}).encode()]

    def mutate(self, data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
        ops = []
        for _ in range(rng.randint(1, 2)):
            name = rng.choice(self.FILES)
            op = rng.choice(("delete", "truncate", "flip", "schema", "empty"))
            ops.append({"file": name, "op": op, "seed": rng.randrange(1 << 30)})
        return json.dumps({"ops": ops}).encode()

    def run(self, data: bytes) -> None:
        from conformance.errors import StandardDataError

        plan = json.loads(data)
        if self.work.exists():
            shutil.rmtree(self.work)
        shutil.copytree(self.pristine, self.work)
        for op in plan["ops"]:
            _damage(self.work / op["file"], op["op"], random.Random(op["seed"]))
        try:
            got = self._findings(self.work)
        except StandardDataError:
            return  # the typed error: one line, exit 2 in the CLI
        if got != self.expected:
            raise Failure(f"damaged standard {plan['ops']} validated without an error "
                          f"and gave other findings ({len(got)} vs {len(self.expected)})")


def _missing_type1(data: bytes) -> bytes:
    """CT_small without two Type 1 attributes (Modality and Rows)."""
    import io

    from pydicom import dcmread

    ds = dcmread(io.BytesIO(data))
    del ds.Modality
    del ds.Rows
    out = io.BytesIO()
    ds.save_as(out)
    return out.getvalue()


def _damage(path: Path, op: str, rng: random.Random) -> None:
    import gzip
    import zipfile

    if not path.exists():
        return
    if op == "delete":
        path.unlink()
        return
    raw = path.read_bytes()
    if op == "empty":
        path.write_bytes(b"")
    elif op == "truncate":
        path.write_bytes(raw[:rng.randrange(max(1, len(raw)))])
    elif op == "flip":
        buf = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(buf))
    elif op == "schema":
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as z:
                members = {n: z.read(n) for n in z.namelist()}
            name = rng.choice(sorted(members))
            doc = json.loads(members[name])
            members[name] = json.dumps(_break(doc, rng)).encode()
            tmp = path.with_suffix(".tmp")
            with zipfile.ZipFile(tmp, "w") as z:
                for n, body in members.items():
                    z.writestr(n, body)
            os.replace(tmp, path)
            return
        text = gzip.decompress(raw) if path.suffix == ".gz" else raw
        doc = _break(json.loads(text), rng)
        out = json.dumps(doc).encode()
        path.write_bytes(gzip.compress(out) if path.suffix == ".gz" else out)


def _break(doc: Any, rng: random.Random, depth: int = 0) -> Any:
    """A schema violation at a random place: a wrong type or a dropped key."""
    if isinstance(doc, dict) and doc and depth < 4:
        key = rng.choice(sorted(doc))
        out = dict(doc)
        if rng.random() < 0.3 or depth == 3:
            if rng.random() < 0.5:
                del out[key]
            else:
                out[key] = rng.choice((None, 7, "x", [], {"y": 1}))
        else:
            out[key] = _break(doc[key], rng, depth + 1)
        return out
    if isinstance(doc, list) and doc and depth < 4:
        out_list = list(doc)
        i = rng.randrange(len(out_list))
        out_list[i] = _break(out_list[i], rng, depth + 1)
        return out_list
    return rng.choice((None, 7, "x", [], {"y": 1}))


TARGETS = {"dicom": DicomTarget, "rules": RulesTarget, "standard": StandardTarget}

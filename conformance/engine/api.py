"""The library API: ``validate`` one dataset, or a ``Validator`` for many."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping
from os import PathLike
from typing import (
    TYPE_CHECKING,
    Any,
    BinaryIO,
    Literal,
    Protocol,
    TypeAlias,
    runtime_checkable,
)

from pydicom.dataset import Dataset

from conformance.conditions.facts import PRESUMPTIONS
from conformance.engine import standard_access
from conformance.engine.bounded import BoundedFindings
from conformance.engine.code_policy import CodePolicy
from conformance.engine.context import CheckContext
from conformance.engine.detach import detached
from conformance.engine.digest import file_digest, identity
from conformance.engine.finding import Finding
from conformance.engine.gcpause import gc_paused
from conformance.engine.header_only import header_only, pixels_not_read, with_pixel_placeholder
from conformance.engine.input import Loaded, ReadFacts, load
from conformance.engine.privacy import masked
from conformance.engine.quiet import pydicom_quiet
from conformance.engine.registry import CheckInfo, discover
from conformance.engine.requirements import requirements_for
from conformance.engine.result import Report
from conformance.engine.sop_class import sop_class
from conformance.engine.traversal import internal_error, traverse
from conformance.engine.undecided import undecidable
from conformance.errors import ConformanceError, StandardDataError, UsageError
from conformance.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from conformance.standard.loader import Standard

__all__ = ["Report", "RulePack", "Source", "StandardLike", "Validator", "validate"]

#: What ``validate`` reads: a pydicom Dataset, a file path, the bytes of a file, a binary
#: file object, or a DICOM JSON object (PS3.18 F.2, as DICOMweb returns it).
Source: TypeAlias = ("Dataset | str | PathLike[str] | bytes | bytearray | memoryview | BinaryIO"
                     " | Mapping[str, Any]")
#: The standard to validate against: None (the bundled one), a build folder, or a loaded one.
StandardLike: TypeAlias = "Standard | str | PathLike[str] | None"
#: ``rules=`` items: a rule file path, ``builtin:NAME``, or a loaded pack.
RuleSource: TypeAlias = "RulePack | str | PathLike[str]"

@runtime_checkable
class RulePack(Protocol):
    """What ``rules=`` accepts: findings from extra rules, and codes to switch off."""

    disabled_codes: Mapping[str, str]  # code -> reason shown in the report

    def evaluate(self, ctx: CheckContext) -> Iterable[Finding]: ...


def _rule_pack(obj: Any, standard: Any) -> Any:
    """A rule file path becomes a loaded (cached) YAML pack; packs pass through."""
    if isinstance(obj, str | PathLike):
        from conformance.rules import as_pack

        return as_pack(obj, standard)
    return obj


class Validator:
    """Loads the standard once and validates many datasets.

    Thread-safe: per-dataset state lives in a fresh ``CheckContext``; the standard and
    the compiled IOD requirements are read-only and cached under a lock. Picklable: it
    pickles its configuration (standard path, rules, IOD, options) and re-creates
    itself, so process pools can use it.
    """

    def __init__(self, standard: StandardLike = None, rules: Iterable[RuleSource] | str = (),
                 iod: str | None = None, options: Mapping[str, Any] | None = None, *,
                 presumptions: bool | None = None, show_values: bool = False,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        if isinstance(rules, str | PathLike):  # one rule file, not its characters
            rules = (rules,)
        if presumptions is not None:
            # conditions/facts.json presumptions ("no species attribute: not an animal")
            options = {**(options or {}), "presumptions": bool(presumptions)}
        self._config = (standard, tuple(rules), iod, dict(options or {}))
        # Values of PS3.15 E.1-1 attributes appear in messages only when asked for.
        self.show_values = bool(show_values)
        self.limits = limits
        self.standard: Standard = standard_access.load(standard)
        self.rules: tuple[RulePack, ...] = tuple(_rule_pack(r, self.standard) for r in rules)
        if self.rules and limits.regex_seconds != DEFAULT_LIMITS.regex_seconds:
            from conformance.rules.regexguard import set_time_limit

            set_time_limit(limits.regex_seconds)
        for r in self.rules:
            if not isinstance(r, RulePack):
                raise UsageError(f"rules: {r!r} has no evaluate(ctx) / disabled_codes")
        self.options: dict[str, Any] = dict(options or {})
        self.iod_override: str | None = None
        if iod is not None:
            found = self.standard.find_iod(str(iod))
            if found is None:
                raise UsageError(f"--iod {iod!r}: no IOD with that name, id or SOP Class UID "
                                 f"in the standard ({self.standard.edition})")
            self.iod_override = found
        checks = sorted(discover().values(), key=lambda c: c.name)
        self._dataset_checks: tuple[CheckInfo, ...] = tuple(
            c for c in checks if c.kind == "dataset")
        self._element_checks: tuple[CheckInfo, ...] = tuple(
            c for c in checks if c.kind == "element")
        self._standard_info: dict[str, Any] | None = None
        self.policy = CodePolicy(self.rules, self.options)

    # -- pickling: configuration only, caches are rebuilt --------------------------
    def __getstate__(self) -> dict[str, Any]:
        standard, rules, iod, options = self._config
        if standard is not None and not isinstance(standard, str):
            standard = standard_access.standard_path(self.standard)
        return {"standard": standard, "rules": rules, "iod": iod, "options": options,
                "show_values": self.show_values, "limits": self.limits}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["standard"], state["rules"], state["iod"],  # type: ignore[misc]
                      state["options"], show_values=state.get("show_values", False),
                      limits=state.get("limits", DEFAULT_LIMITS))

    # -- validation --------------------------------------------------------------------
    def _summary(self) -> dict[str, Any]:
        if self._standard_info is None:
            self._standard_info = standard_access.describe(self.standard)
        return dict(self._standard_info)

    def validate(self, obj: Source, path: str | None = None) -> Report:
        """Validate a Dataset, path, bytes or binary file object; never raises for bad data.

        pydicom's warnings about the values are not shown: the findings report them.
        A Dataset is read through a private copy (``detach``): the caller's object is
        not changed. Anything unexpected while checking becomes an ``internal-error``
        finding; only a broken standard (``StandardDataError``) and usage errors raise.
        """
        start = time.perf_counter()
        with gc_paused(), pydicom_quiet():
            report = self._validate(obj, path)
        report.elapsed = time.perf_counter() - start
        return report

    def _validate(self, obj: Source, path: str | None) -> Report:
        loaded = load(obj, path, self.limits)
        if loaded.dataset is None:
            return self._unreadable(loaded)
        try:
            if isinstance(obj, Dataset):
                loaded = dataclasses.replace(loaded, dataset=detached(loaded.dataset))
            report = self._validated(obj, loaded)
        except ConformanceError:
            raise
        except Exception as exc:  # noqa: BLE001 - one hostile input must not stop a batch
            self._standard_intact()
            return self.failed(loaded.path, f"validation stopped: {type(exc).__name__}: "
                                            f"{str(exc)[:200]}; the input was not fully checked")
        self._standard_intact()
        return report

    def _standard_intact(self) -> None:
        """Raise when a file of the standard failed to load during this validation:
        checks skip what they cannot read, and a report without them is a false pass."""
        broken = getattr(self.standard, "broken", None)
        if broken:
            raise StandardDataError(f"the standard cannot be loaded completely: {broken}")

    def _validated(self, obj: Any, loaded: Loaded) -> Report:
        given = loaded.dataset
        assert given is not None
        partial = isinstance(obj, Dataset) and header_only(given)
        if partial:
            loaded = Loaded(with_pixel_placeholder(given), loaded.file_meta, loaded.facts,
                            loaded.path)
        ctx = self.context(loaded)
        token = PRESUMPTIONS.set(bool(self.options.get("presumptions", True)))
        try:
            findings = self._run(ctx)
        finally:
            PRESUMPTIONS.reset(token)
        if partial:
            findings = pixels_not_read(ctx, findings)
        if not self.show_values and findings:
            copies = loaded.facts.copies
            findings = masked(findings, given, self.standard, loaded.file_meta,
                              copies.same if copies is not None else None)
        kept, suppressed = self.policy.suppress(findings)
        kept = self.policy.leveled(kept)  # packs' severity:, --severity CODE=LEVEL
        req = ctx.requirements
        ctx.release()
        return Report(path=loaded.path, sop_class_uid=ctx.sop_class_uid, iod=ctx.iod,
                      iod_name=req.name if req is not None else None, findings=kept,
                      standard=self._summary(), suppressed=suppressed,
                      undecidable=len(undecidable(self.standard, ctx.iod)) if ctx.iod else 0,
                      identity=identity(given, self.standard, self.show_values),
                      digest=file_digest(given, self.standard, req, loaded.path,
                                         loaded.facts.content_hash, self.show_values))

    def _run(self, ctx: CheckContext) -> list[Finding]:
        findings = BoundedFindings(self.limits)  # per element and per code
        for check in self._dataset_checks:
            try:
                findings.extend(check.fn(ctx))
            except ConformanceError:
                raise  # a broken standard is the run's error, never a pass
            except Exception as exc:  # one broken check must not stop validation
                findings.append(internal_error(ctx, check, exc))
        traverse(ctx, self._element_checks, findings)
        for pack in self.rules:
            try:
                findings.extend(pack.evaluate(ctx))
            except ConformanceError:
                raise
            except Exception as exc:
                findings.append(ctx.finding(
                    "internal-error", "error",
                    f"rule pack {type(pack).__name__} failed: {type(exc).__name__}: {exc}"))
        return findings.result()

    def context(self, loaded: Loaded) -> CheckContext:
        """The CheckContext for a parsed input (IOD resolved, requirements compiled)."""
        assert loaded.dataset is not None
        ds = loaded.dataset
        uid, source = sop_class(ds, loaded.file_meta)
        iod = self.iod_override
        if iod is None and uid:
            iod = self.standard.iod_for_sop_class(uid)
        return CheckContext(
            dataset=ds, standard=self.standard, file_meta=loaded.file_meta,
            preamble=loaded.facts.preamble, facts=loaded.facts, path=loaded.path, iod=iod,
            requirements=requirements_for(self.standard, iod) if iod else None,
            sop_class_uid=uid, sop_class_source=source, iod_override=self.iod_override,
            options=self.options, limits=self.limits,
        )

    def unreadable(self, path: str | None, reason: str) -> Report:
        """The report of an input that is not validated (a skipped walk entry made an
        error by ``strict_inputs``, a folder that cannot be read)."""
        return self._unreadable(Loaded(None, None, ReadFacts(), path, reason))

    def validate_item(self, item: Any) -> Report:
        """The Report of one ``conformance.inputs.items.Item``."""
        if item.error is not None:
            return self.unreadable(item.path, item.error)
        if item.obj is not None:
            return self.validate(item.obj, path=item.path)
        if item.data is not None:
            return self.validate(item.data, path=item.path)
        return self.validate(item.path)

    def validate_many(self, items: Iterable[Any], *, jobs: int | Literal["auto"] = 1,
                      include: Iterable[str] = (), exclude: Iterable[str] = (),
                      strict_inputs: bool = False, skipped: Any = None) -> Iterator[Report]:
        """Reports for paths, folders (walked lazily, non-DICOM files skipped), Datasets
        or bytes, yielded lazily in input order; ``jobs`` > 1 validates in that many
        processes, like ``-j``; ``"auto"`` in one per usable CPU for a batch of 64
        inputs or more (the command's default). What folder walks skip is added to ``skipped`` (a
        ``conformance.inputs.walk.SkipLog``) when given; with ``strict_inputs`` it is
        reported as ``unreadable`` instead."""
        from conformance.engine.many import validate_items

        return validate_items(self, items, jobs=jobs, include=include, exclude=exclude,
                              strict_inputs=strict_inputs, skipped=skipped)

    def failed(self, path: str | None, message: str) -> Report:
        """The report of an input that could not be checked (``internal-error``)."""
        return self._only(path, Finding(code="internal-error", severity="error",
                                        message=message))

    def _unreadable(self, loaded: Loaded) -> Report:
        return self._only(loaded.path, Finding(
            code="unreadable", severity="error", message=f"cannot read the input: {loaded.error}"))

    def _only(self, path: str | None, f: Finding) -> Report:
        """A report of one finding about the whole input."""
        kept, suppressed = self.policy.suppress([f])
        return Report(path=path, sop_class_uid=None, iod=None, iod_name=None,
                      findings=kept, standard=self._summary(), suppressed=suppressed)



def validate(obj: Source, *, standard: StandardLike = None,
             rules: Iterable[RuleSource] | str = (), iod: str | None = None,
             presumptions: bool = True, show_values: bool = False,
             limits: Limits = DEFAULT_LIMITS) -> Report:
    """Validate one dataset (Dataset, path, bytes, binary file object or DICOM JSON); with
    ``presumptions=False`` the presumptions of ``conditions/facts.json`` decide nothing;
    identifying values (PS3.15 E.1-1) are masked in messages unless ``show_values``;
    ``limits`` changes the resource limits (README "Robustness")."""
    return Validator(standard, rules, iod, presumptions=presumptions,
                     show_values=show_values, limits=limits).validate(obj)

"""Module presence: includes followed, shared tags of required modules, modules whose
absence cannot be seen (engine/presence.py, checks/modules.py)."""

from __future__ import annotations

from pathlib import Path

from pydicom.dataset import Dataset

from conformance.engine.api import Validator
from conformance.engine.input import load
from conformance.engine.presence import module_present_fn, module_status, table_tags
from conformance.engine.result import Report
from tests.engine.datasets import ct_dataset
from tests.helpers.mini_variants import (
    Tables,
    add_element,
    attr_eq,
    cond,
    include,
    mini_variant,
    row,
    table,
    use,
)


def module_findings(report: Report, module: str) -> list[tuple[str, str | None]]:
    return [(f.code, f.tag) for f in report.findings if f.module == module]


# -- a C module that only wraps a macro whose rows a Mandatory module shares ----------

def _palette(modules: Tables, iods: Tables, dictionary: Tables) -> None:
    add_element(dictionary, "00281101", "Red Palette Color Lookup Table Descriptor",
                "RedPaletteColorLookupTableDescriptor", "US")
    add_element(dictionary, "00281199", "Palette Color Lookup Table UID",
                "PaletteColorLookupTableUID", "UI")
    # Image Pixel (M) has the descriptor as 1C, like PS3.3 C.7.6.3.
    modules["macros"]["image-pixel-description"]["attributes"].append(
        row("00281101", "Red Palette Color Lookup Table Descriptor", "1C",
            cond(attr_eq("00280004", "PALETTE COLOR"))))
    modules["macros"]["palette-lut"] = table("macro", "palette-lut", "Palette LUT", [
        row("00281101", "Red Palette Color Lookup Table Descriptor", "1"),
        row("00281199", "Palette Color Lookup Table UID", "3")])
    modules["modules"]["palette-lut"] = table("module", "palette-lut", "Palette LUT",
                                              [include("palette-lut")])
    use(iods, "palette-lut", "C", cond(attr_eq("00280004", "PALETTE COLOR")))


def test_required_module_present_through_shared_tags_of_its_macro(tmp_path: Path) -> None:
    v = Validator(mini_variant(tmp_path, _palette))
    ds = ct_dataset()
    ds.PhotometricInterpretation = "PALETTE COLOR"
    ds.add_new(0x00281101, "US", [256, 0, 16])
    assert module_findings(v.validate(ds), "palette-lut") == []
    del ds[0x00281101]
    assert module_findings(v.validate(ds), "palette-lut") == [("module-missing", None)]
    ds.PhotometricInterpretation = "MONOCHROME2"
    assert module_findings(v.validate(ds), "palette-lut") == []


def test_module_present_follows_includes_of_unlisted_tables(tmp_path: Path) -> None:
    def edit(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        _palette(modules, iods, dictionary)
        iods["iods"]["ct-image"]["modules"].pop()  # the wrapper is not in the IOD now

    v = Validator(mini_variant(tmp_path, edit))
    assert table_tags(v.standard, "module", "palette-lut") == {0x00281101, 0x00281199}
    ds = ct_dataset()
    ds.add_new(0x00281101, "US", [256, 0, 16])
    ctx = v.context(load(ds))
    assert module_present_fn(ctx)("palette-lut", "module") is True
    del ds[0x00281101]
    ctx = v.context(load(ds))
    assert module_present_fn(ctx)("palette-lut", "module") is False
    assert module_present_fn(ctx)("no-such-table", "module") is None


# -- a Mandatory module without any unconditional Type 1/2 row (like Cine) ------------

def _cine(modules: Tables, iods: Tables, dictionary: Tables) -> None:
    add_element(dictionary, "00181063", "Frame Time", "FrameTime", "DS")
    add_element(dictionary, "00181244", "Preferred Playback Sequencing",
                "PreferredPlaybackSequencing", "US")
    present = {"op": "present",
               "attr": {"tag": "00280008", "scope": "nearest", "index": None, "path": None}}
    modules["modules"]["cine"] = table("module", "cine", "Cine", [
        row("00181244", "Preferred Playback Sequencing", "3"),
        row("00181063", "Frame Time", "1C", cond(present))])
    use(iods, "cine", "M")


def test_mandatory_module_of_conditional_rows_is_checked_not_missing(tmp_path: Path) -> None:
    v = Validator(mini_variant(tmp_path, _cine))
    ds = ct_dataset()
    r = v.validate(ds)
    assert module_findings(r, "cine") == []
    assert module_status(v.context(load(ds)))["cine"].applies
    ds.NumberOfFrames = 2  # Frame Time is now required: the row says so, not the module
    assert module_findings(v.validate(ds), "cine") == [("type1c-missing", "00181063")]
    ds.FrameTime = "33.3"
    assert module_findings(v.validate(ds), "cine") == []


def test_mandatory_module_with_a_required_row_is_still_missing(tmp_path: Path) -> None:
    def edit(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        _cine(modules, iods, dictionary)
        modules["modules"]["cine"]["attributes"][0]["type"] = "1"

    v = Validator(mini_variant(tmp_path, edit))
    ds: Dataset = ct_dataset()
    assert module_findings(v.validate(ds), "cine") == [("module-missing", None)]
    ds.PreferredPlaybackSequencing = 0
    assert module_findings(v.validate(ds), "cine") == []


def test_guarded_required_row_does_not_make_a_module_evident(tmp_path: Path) -> None:
    def edit(modules: Tables, iods: Tables, dictionary: Tables) -> None:
        _cine(modules, iods, dictionary)
        modules["macros"]["cine-extra"] = table("macro", "cine-extra", "Cine Extra", [
            row("00181244", "Preferred Playback Sequencing", "1")])
        modules["modules"]["cine"]["attributes"] = [
            include("cine-extra", cond(attr_eq("00080060", "US")))]

    v = Validator(mini_variant(tmp_path, edit))
    ds = ct_dataset()  # Modality CT: the include does not apply
    assert module_findings(v.validate(ds), "cine") == []
    ds.Modality = "US"
    assert module_findings(v.validate(ds), "cine") == [("type1-missing", "00181244")]

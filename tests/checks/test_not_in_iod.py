"""Public attributes that no module of the IOD defines (not-in-iod)."""

from __future__ import annotations

from tests.engine.datasets import codes, ct_dataset, run


def _nii(report):  # type: ignore[no-untyped-def]
    return [f for f in report.findings if f.code == "not-in-iod"]


def test_standard_attribute_outside_the_iod() -> None:
    ds = ct_dataset()
    ds.DeviceSerialNumber = "42"
    found = _nii(run(ds))
    assert [f.tag for f in found] == ["00181000"]
    assert found[0].severity == "warning"
    assert found[0].message.startswith(
        "Attribute is not present in standard DICOM IOD - (0018,1000) LO Device Serial Number")


def test_no_noise_from_special_elements() -> None:
    ds = ct_dataset()
    ds.add_new(0x00080000, "UL", 100)  # group length
    ds.add_new(0x00090010, "LO", "ACME")  # private creator
    ds.add_new(0x00091001, "LO", "x")  # private
    ds.add_new(0xFFFCFFFC, "OB", b"\0\0")  # trailing padding
    ds.add_new(0x60000010, "US", 2)  # overlay group: allowed by mask 60xx0010
    ds.add_new(0x60000011, "US", 2)
    ds.add_new(0x60003000, "OW", b"\0\0")
    ds.add_new(0x22220010, "LO", "unknown public")  # not in the dictionary
    assert not _nii(run(ds))


def test_option_switches_it_off() -> None:
    ds = ct_dataset()
    ds.DeviceSerialNumber = "42"
    assert "not-in-iod" not in codes(run(ds, options={"not_in_iod": False}))


def test_overlay_element_outside_the_module_is_reported() -> None:
    ds = ct_dataset()
    ds.add_new(0x60000010, "US", 2)
    ds.add_new(0x60000011, "US", 2)
    ds.add_new(0x60003000, "OW", b"\0\0")
    ds.add_new(0x60000040, "CS", "G")  # Overlay Type: not in the mini Overlay Plane module
    assert [f.tag for f in _nii(run(ds))] == ["60000040"]

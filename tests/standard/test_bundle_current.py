"""The bundled standard's PS3.6 and PS3.16 are pydicom's current tables (issue 14): no
element of pydicom's dictionary is unknown, retired UIDs and SOP classes say so, every
context group pydicom knows is there, and the manifest names each part's source."""

from __future__ import annotations

import pydicom
import pytest
from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary
from pydicom._uid_dict import UID_dictionary
from pydicom.dataset import Dataset
from pydicom.sr._cid_dict import name_for_cid

from conformance.engine.api import Validator
from conformance.standard import Standard, load_standard


@pytest.fixture(scope="module")
def bundle() -> Standard:
    return load_standard()


def test_no_element_of_pydicoms_dictionary_is_unknown(bundle: Standard) -> None:
    unknown = [f"{t:08X}" for t in DicomDictionary if bundle.dictionary.get(t) is None]
    # repeating groups: a concrete tag of each mask ("60xx3000" -> 0x60003000)
    unknown += [m for m in RepeatersDictionary
                if bundle.dictionary.get(int(m.replace("x", "0"), 16)) is None]
    assert unknown == []
    retired = [t for t, e in DicomDictionary.items() if e[3] == "Retired"]
    assert all(bundle.dictionary.get(t).retired for t in retired)


def test_uid_registry_is_pydicoms_with_retired_flags(bundle: Standard) -> None:
    for uid, (_name, _kind, _info, retired, _kw) in UID_dictionary.items():
        entry = bundle.dictionary.uid(uid)
        assert entry is not None, uid
        assert entry["retired"] == (retired == "Retired"), uid


def test_retired_sop_classes_say_so(bundle: Standard) -> None:
    retired = [u for u, e in UID_dictionary.items() if e[1] == "SOP Class" and e[3]]
    assert len(retired) > 40
    for uid in retired:
        sop = bundle.sop_classes.get(uid)
        assert sop is None or sop["retired"], uid
    # a file of a retired SOP class: the finding names it retired
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6"  # Ultrasound Image Storage (Retired)
    ds.SOPInstanceUID = "1.2.3"
    [f] = [f for f in Validator().validate(ds).findings if f.code == "iod-unknown"]
    assert "retired" in f.message


def test_every_pydicom_context_group_is_bundled(bundle: Standard) -> None:
    assert bundle.cids is not None and len(bundle.cids) == len(name_for_cid)
    group = bundle.cids.get(4031)
    assert group is not None and group.codes[("SCT", "818981001")] == "Abdomen"


def test_manifest_names_the_source_and_edition_of_each_part(bundle: Standard) -> None:
    parts = bundle.manifest["parts"]
    version = f"pydicom-{pydicom.__version__}"
    assert parts["16"]["source"] == "pydicom" and parts["16"]["supplies"] == ["cids"]
    assert parts["6"]["source"] == "pydicom" and parts["6"]["supplies"][:2] == ["elements",
                                                                                "uids"]
    if parts["6"]["edition"] != version:
        pytest.skip(f"bundle built with {parts['6']['edition']}, installed {version}")
    assert parts["6"]["previous"]["edition"] == "2015b"

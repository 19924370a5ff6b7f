"""PS3.16 and PS3.6 from pydicom's generated tables; Annex L from highdicom."""

from __future__ import annotations

import pydicom
import pytest

from conformance.compiler.delegated_terms import add_annex_l_terms
from conformance.compiler.readers.pydicom_tables import (
    CID_FILES,
    read_cids,
    read_dictionary,
    source_hash,
)
from conformance.schemas import validate_document


def test_context_groups_have_their_codes_and_pass_the_schema() -> None:
    anomalies: list[dict] = []
    doc = read_cids(anomalies)
    validate_document("cids", doc)
    from pydicom.sr._cid_dict import name_for_cid

    assert len(doc["cids"]) == len(name_for_cid)
    g = doc["cids"]["4031"]
    assert g["keyword"] == name_for_cid[4031] and g["extensible"] is None
    assert ["SCT", "818981001", "Abdomen"] in g["codes"]
    # a keyword naming codes of several groups: only this group's are taken
    assert all(len(c) == 3 and c[1] for c in g["codes"])
    assert doc["srt_to_sct"]["T-62000"] == "10200004"
    # pydicom 3.0's CID 12300 lists a code without a value: left out and reported
    assert all(a["kind"] == "code-without-value" and a["part"] == 16 for a in anomalies)


def test_dictionary_and_uids_with_retired_flags() -> None:
    doc = read_dictionary()
    validate_document("dictionary", {"elements": doc["elements"], "uids": doc["uids"]})
    assert doc["elements"]["60xx3000"]["keyword"] == "OverlayData"
    assert doc["elements"]["00080016"]["retired"] is False
    assert doc["uids"]["1.2.840.10008.1.2.2"]["retired"] is True  # Explicit VR Big Endian


def test_source_hash_names_pydicoms_files() -> None:
    digest, size = source_hash(CID_FILES)
    assert len(digest) == 64 and size > 1_000_000
    assert pydicom.__version__


def test_annex_l_terms_go_only_to_rows_that_delegate_them() -> None:
    delegating = {"kind": "attribute", "tag": "00180015", "enums": [], "children": [],
                  "description": "See PS3.16 Chapter L for Defined Terms"}
    own = {"kind": "attribute", "tag": "00180015", "children": [], "description":
           "Enumerated Values: EYE See Annex L ... Defined Terms",
           "enums": [{"kind": "enumerated", "value_index": None, "values": ["EYE"]}]}
    other = {"kind": "attribute", "tag": "00080060", "enums": [], "children": [],
             "description": "Defined Terms: CT MR"}
    tables = [{"attributes": [delegating, own, other]}]
    assert add_annex_l_terms(tables, ["ABDOMEN", "CHEST"]) == 1
    assert delegating["enums"] == [{"kind": "defined", "value_index": None,
                                    "values": ["ABDOMEN", "CHEST"]}]
    assert own["enums"][0]["values"] == ["EYE"] and other["enums"] == []


def test_annex_l_from_highdicom() -> None:
    from conformance.compiler.readers.highdicom_tables import annex_l_source, read_annex_l

    found = annex_l_source()
    if found is None:
        pytest.skip("highdicom not installed")
    terms = read_annex_l(found[0])
    assert terms["WHOLEBODY"][:2] == ["SCT", "38266002"]

"""Fixtures of the condition tests: a name index over pydicom's dictionary."""

from __future__ import annotations

import pytest

from conformance.conditions import NameIndex

# the module / macro names the hand-checked sentences mention (ids are their slugs)
MODULES = ["Enhanced Contrast/Bolus", "Bitmap Display Shutter", "Display Shutter",
           "Enhanced MR Image", "Enhanced CT Image", "Multi-frame", "RT Fraction Scheme",
           "RT Beams", "RT Brachy Application Setups"]
MACROS = ["Pixel Measures", "Plane Orientation (Patient)", "Plane Position (Patient)",
          "MR Image Frame Type", "Frame Content"]


@pytest.fixture(scope="session")
def names() -> NameIndex:
    return NameIndex.from_pydicom(modules=MODULES, macros=MACROS)

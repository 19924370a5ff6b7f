"""Commands that need an optional extra say which one, instead of an ImportError."""

from __future__ import annotations

import importlib

from conformance.errors import UsageError

# What only ``conformance build`` (and generating the de-identification pack from
# DocBook) imports: a validate-only install does without them.
BUILD_MODULES = ("lxml", "platformdirs")
BUILD_EXTRA = "pip install 'dicom-conformance[build]'"


def need_build_extra(command: str) -> None:
    """UsageError naming the ``[build]`` extra when a build-only library is missing."""
    missing = []
    for name in BUILD_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise UsageError(f"{command} needs the build extra ({', '.join(missing)} not "
                         f"installed): {BUILD_EXTRA}")

"""The loaded standard: a lazy reader of a build folder (API in docs/CONTRACTS.md)."""

from __future__ import annotations

from conformance.standard.dictionary import DictEntry, Dictionary
from conformance.standard.loader import Standard, bundled_path, load_standard

__all__ = ["DictEntry", "Dictionary", "Standard", "bundled_path", "load_standard"]

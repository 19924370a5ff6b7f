"""``python -m conformance``: the same command as ``conformance``."""

from conformance.cli import entry

entry()

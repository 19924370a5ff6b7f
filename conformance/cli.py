"""The ``conformance`` command: discovers subcommands in ``conformance.commands``."""

from __future__ import annotations

import argparse
import importlib
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

from conformance.errors import ConformanceError


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of the subcommand ``only`` alone (its module
    alone imported: each command imports what it needs, e.g. ``build`` the DocBook
    readers, so ``validate`` does not pay for the others)."""
    import conformance.commands as pkg

    parser = argparse.ArgumentParser(
        prog="conformance",
        description="DICOM conformance engine driven by the standard's own tables.",
    )
    from conformance import __version__

    parser.add_argument("--version", action="version",
                        version=f"conformance (dicom-conformance) {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    added = False
    # One command by its module's name: the package is listed only for the whole parser.
    if only is not None:
        names = [only]
    else:
        import pkgutil

        names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__))
    for name in names:
        module = importlib.import_module(f"{pkg.__name__}.{name}")
        add = getattr(module, "add_parser", None)
        if add is not None:
            sp = add(sub)
            sp.set_defaults(_run=module.run)
            added = True
    if only is not None and not added:  # a helper module, not a command
        return build_parser()
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, when it is one of ``conformance.commands`` (each
    command lives in the module of its name); None for ``--help``, a typo and the like,
    which need every command in the parser."""
    import conformance.commands as pkg

    first = next((a for a in argv if not a.startswith("-")), None)
    if first is None or first.startswith("_") or not first.isidentifier():
        return None
    import importlib.util

    return first if importlib.util.find_spec(f"{pkg.__name__}.{first}") else None


# Optional libraries pydicom imports at start-up for decoding pixels, which no check does
# (checks read lengths, VRs and fragment headers only): about 0.1 s of every start. Its
# codec plugins try the others even without numpy, each module again (pyjpegls's
# ``jpeg_ls`` is half imported seven times before it finds numpy missing: 6 ms of a cold
# start); python-gdcm's ``gdcm`` would load a large extension module.
PIXEL_LIBRARIES = ("numpy", "PIL", "jpeg_ls", "gdcm", "pylibjpeg")


def _without_pixel_libraries() -> None:
    """Make ``import numpy`` / ``import PIL`` fail in this process, as if not installed:
    pydicom then skips its pixel handlers. Only before pydicom is imported, so that what
    is already loaded keeps working."""
    if "pydicom" in sys.modules:
        return
    for name in PIXEL_LIBRARIES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


# pydicom imports these at start-up and no command of the program uses them: about 60 ms
# of a cold start from a fresh install. ``pydicom.examples`` finds its 13 example files
# at import (through ``importlib.metadata``'s entry points); ``urllib.request`` (with
# http.client, email and ssl) is there for pydicom's test-data downloads; ``uuid`` (with
# ``platform``, 2-3 ms) for new UIDs. In the program they load on first use.
DEFERRED_MODULES = ("urllib.request", "pydicom.examples", "uuid")


class _OnFirstUse(types.ModuleType):
    """Stands in ``sys.modules`` for a module until an attribute of it is used, then
    imports it there. (``importlib.util.LazyLoader`` loads at the next ``import``
    statement already: the import system reads ``__spec__``.)"""

    def __getattr__(self, attr: str) -> Any:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        parent, _, child = name.rpartition(".")
        if parent and getattr(sys.modules.get(parent), child, None) is self:
            delattr(sys.modules[parent], child)  # else the import takes the stand-in
        real = importlib.import_module(name)
        if parent:
            setattr(sys.modules[parent], child, real)
        return getattr(real, attr)


def _defer_unused_modules() -> None:
    """Put ``DEFERRED_MODULES`` off until they are used (not merely imported). Only
    before pydicom is imported; pydicom is imported here, with them stood in for."""
    if "pydicom" in sys.modules:
        return
    stand_ins = []
    for name in DEFERRED_MODULES:
        if name not in sys.modules:
            stand_ins.append((name, _OnFirstUse(name)))
            sys.modules[name] = stand_ins[-1][1]
    importlib.import_module("pydicom")
    for name, stand_in in stand_ins:
        if sys.modules.get(name) is not stand_in:
            continue
        parent, _, child = name.rpartition(".")
        path = None
        if parent:
            # ``import a.b`` binds ``a`` and expects ``a.b`` there; a module found in
            # ``sys.modules`` is not bound on its package by the import system
            package = importlib.import_module(parent)
            setattr(package, child, stand_in)
            path = getattr(package, "__path__", None)
        # the real module's spec, for importlib.util.find_spec (it reads __spec__ of
        # what sys.modules holds); the import system only asks _initializing
        stand_in.__spec__ = importlib.machinery.PathFinder.find_spec(name, path)


def _no_collection_at_exit() -> None:
    """The program ends after its command: the collector's last passes at exit would walk
    every object left alive (pydicom's dictionaries, the standard's tables: 30-35 ms of
    a validation, ~0.06 s after a build). Frozen objects are skipped; the memory is
    given back all the same, and every file the command writes is closed by then."""
    import atexit
    import gc

    atexit.unregister(gc.freeze)  # once per process (tests call main many times)
    atexit.register(gc.freeze)


def main(argv: Sequence[str] | None = None, *, program: bool = False) -> int:
    """Run the command ``argv``; ``program``: this process is the ``conformance``
    program (not a library call), so commands may skip what they never use
    (``set_defaults(_pixel_free=...)``: the pixel libraries) and the process's exit
    skips the collector's last passes."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    pixel_free = getattr(args, "_pixel_free", None)
    if program and pixel_free is not None and pixel_free(args):
        _without_pixel_libraries()
        _defer_unused_modules()
    if program:
        _no_collection_at_exit()
    try:
        return int(args._run(args) or 0)
    except ConformanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. head: not an error
        return 0
    except OSError as exc:
        # The file system said no (a folder that cannot be created, permissions, a full
        # disk): a clear line naming the path, for every command alike.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    """The ``conformance`` program (console script and ``python -m``); how it stops on
    SIGTERM and Ctrl-C: ``conformance.stopping``."""
    from conformance import stopping

    stopping.install()
    status = 1
    try:
        status = main(program=True)
    finally:  # (an exception, a stop among them, goes on its way: nothing is sent again)
        status = stopping.finished(status)
    sys.exit(status)


if __name__ == "__main__":
    entry()

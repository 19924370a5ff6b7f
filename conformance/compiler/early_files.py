"""Build files written by a forked child while this process compiles the tables.

The context groups (``cids.json`` and its ``cids.zip``: 1,500 members, about 60 % of a
build's writing) are complete once PS3.16 is read; a child writes them into a scratch
folder beside the output while this process compiles and writes the rest, and
``write_build`` moves them into its folder in their turn. The same ``write_document``
writes them as it would have: the build is the same file for file. Without ``fork`` or
with one usable CPU, nothing is written early.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from conformance.compiler import forked
from conformance.compiler.writer import write_document


class EarlyFiles:
    """``documents`` written by a child into a scratch folder; ``move_into`` waits and
    moves them, ``close`` stops the child and removes what is left (idempotent)."""

    def __init__(self, out: Path, documents: dict[str, dict[str, Any]], *,
                 compress: bool) -> None:
        self.names = frozenset(documents)
        self.documents, self.compress = documents, compress
        # the prefix of write_build's own temporary folder: the same kind of leftover
        self.folder: Path | None = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-",
                                                         dir=out.parent))
        folder = self.folder

        def write() -> None:
            for name, doc in documents.items():
                write_document(folder, name, doc, compress=compress)

        self._child: forked.Forked[None] | None = None
        try:
            self._child = forked.Forked(
                write, f"{out}: the process writing {', '.join(sorted(documents))}")
        except BaseException:
            self.close()
            raise

    def move_into(self, folder: Path) -> None:
        try:
            if self._child is not None:
                child, self._child = self._child, None
                try:
                    child.result()  # its error, raised here
                except forked.ChildLost:
                    # killed (out of memory?) before it was done: written here instead
                    for name, doc in self.documents.items():
                        write_document(folder, name, doc, compress=self.compress)
                    return
                assert self.folder is not None
                for name in sorted(os.listdir(self.folder)):
                    os.replace(self.folder / name, folder / name)
        finally:
            self.close()

    def close(self) -> None:
        if self._child is not None:
            self._child.close()
            self._child = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def early_files(out: Path, documents: dict[str, dict[str, Any]], *,
                compress: bool) -> EarlyFiles | None:
    """``EarlyFiles`` of ``documents``, or None: nothing to write, no child can run
    beside this process, the output's folder is not there yet (made only once the
    build succeeds), or no scratch folder or child can be made there (the files are
    then written in their turn, as without a child)."""
    out = Path(out)
    if not documents or not forked.can_fork() or not out.parent.is_dir():
        return None
    try:
        return EarlyFiles(out, documents, compress=compress)
    except OSError:
        return None

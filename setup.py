"""Packaging hook: wheels carry the bundled standard as ``conformance/_bundled/``.

The repository keeps the bundle at top level in ``standard_data/`` (one place to
regenerate and review); a wheel has no such folder, so ``build_py`` copies it in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithBundle(build_py):
    def run(self) -> None:
        # setuptools reuses build/lib: a module deleted from the source would otherwise
        # ship again from an earlier build of the same checkout.
        stale = Path(self.build_lib) / "conformance"
        if stale.exists():
            shutil.rmtree(stale)
        super().run()
        src = Path(__file__).parent / "standard_data"
        if src.is_dir():
            dest = Path(self.build_lib) / "conformance" / "_bundled"
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("README*", ".*"))


setup(cmdclass={"build_py": BuildWithBundle})

"""Packaging hook: wheels carry the bundled standard as ``conformance/_bundled/`` and
the rule packs as ``conformance/_packs/``.

The repository keeps both at top level (``standard_data/``, ``rules/``: one place to
regenerate and review); a wheel has no such folders, so ``build_py`` copies them in.
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
        # The shipped rule packs, addressed as builtin:NAME (conformance.rules.builtin).
        packs = Path(__file__).parent / "rules"
        if packs.is_dir():
            dest = Path(self.build_lib) / "conformance" / "_packs"
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            for f in sorted(packs.glob("*.yaml")):
                shutil.copy2(f, dest / f.name)


setup(cmdclass={"build_py": BuildWithBundle})

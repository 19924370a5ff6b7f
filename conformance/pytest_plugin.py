"""pytest plugin (entry point ``pytest11``: loaded when dicom-conformance is installed).

Fixtures:

- ``conformance_validator``: one ``Validator`` per test session, configured by
  ``--dicom-standard DIR`` and ``--dicom-rules FILE`` (repeatable; ``builtin:NAME``);
- ``assert_conformant``: ``conformance.testing.assert_conformant`` using that validator.

Failures list the findings, one per line, instead of a dataclass repr. The plugin
imports nothing of the engine until a fixture is used, so other test sessions do not
pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conformance.engine.api import Validator
    from conformance.engine.result import Report


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "DICOM conformance (dicom-conformance)")
    group.addoption("--dicom-standard", metavar="DIR", default=None,
                    help="build folder of the standard (default: the bundled one)")
    group.addoption("--dicom-rules", metavar="FILE", action="append", default=[],
                    help="rule file or builtin:NAME for the conformance fixtures "
                         "(repeatable)")


@pytest.fixture(scope="session")
def conformance_validator(pytestconfig: pytest.Config) -> Validator:
    """A Validator for the session (standard and rules from the command line)."""
    from conformance.engine.api import Validator

    return Validator(pytestconfig.getoption("dicom_standard"),
                     tuple(pytestconfig.getoption("dicom_rules")))


@pytest.fixture
def assert_conformant(conformance_validator: Validator) -> Callable[..., Report]:
    """``assert_conformant(obj, fail_on="error", **kw)`` with the session's validator
    (pass ``rules=`` or ``validator=`` to use others)."""
    from conformance import testing

    def check(obj: Any, fail_on: str = "error", **kw: Any) -> Report:
        if "rules" not in kw and "standard" not in kw and "iod" not in kw:
            kw.setdefault("validator", conformance_validator)
        return testing.assert_conformant(obj, fail_on, **kw)

    return check

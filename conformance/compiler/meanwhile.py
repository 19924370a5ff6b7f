"""What a build does in this process while a forked child reads part files
(``parallel_read``): PS3.16 context groups from pydicom's tables, the imports of the
condition parser that ``compile_tables`` needs next, and the schema validators the
writing needs."""

from __future__ import annotations

from typing import Any

Found = list[dict[str, Any]]


class Meanwhile:
    """The ``while_waiting`` hook of a build; ``result()`` gives the groups' reading
    (done then if the parts were read serially), raising its error only there, after
    every part's own."""

    def __init__(self, cids: bool) -> None:
        self.cids = cids
        self._done: tuple[dict[str, Any], Found] | BaseException | None = None

    def __call__(self) -> None:
        self._done = self._work()

    def result(self) -> tuple[dict[str, Any], Found]:
        done = self._done if self._done is not None else self._work()
        self._done = None
        if isinstance(done, BaseException):
            raise done
        return done

    def _work(self) -> tuple[dict[str, Any], Found] | BaseException:
        import conformance.conditions.parser  # noqa: F401 - compile_tables parses with it
        from conformance.compiler.readers.pydicom_tables import read_cids
        from conformance.schemas import prepare

        found: Found = []
        try:
            done = (read_cids(found) if self.cids else {}), found
            # The writing (here and in the child forked to write files early) checks
            # every document against its schema: validators made once, in time that
            # waits anyway.
            prepare()
        except Exception as exc:  # noqa: BLE001 - raised in its turn by result()
            return exc
        return done

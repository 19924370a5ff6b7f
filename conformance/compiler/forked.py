"""A function run in a forked child while this process goes on: its result, or the
exception it raised, comes back through a pipe when asked for.

Forked, not spawned: the function runs as this process has it (closures and a test's
stand-ins included) and only its result is pickled. A child that dies is an error, never
a hang; one whose result is not wanted is killed. Used by a build on two or more CPUs
(``parallel_read``, ``early_files``).
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from conformance.errors import SourceError

T = TypeVar("T")
_EXIT_WAIT = 5.0  # seconds a child that sent its result has to exit before it is killed


def can_fork() -> bool:
    """Whether a child can be forked here (POSIX) and would run beside this process (two
    or more usable CPUs)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    from conformance.resources import usable_cpus

    return usable_cpus() > 1


class ChildLost(SourceError):
    """The child ended without a result (killed: out of memory?)."""


class Forked(Generic[T]):
    """``fn()`` in a forked child; ``result()`` waits for it, ``close()`` stops it.
    Making one raises OSError when the system forks no more (EAGAIN, ENOMEM)."""

    def __init__(self, fn: Callable[[], T], what: str) -> None:
        self.what = what  # for errors: "the process reading PS3.6"
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._child = ctx.Process(target=_run, args=(send, self._recv, fn), daemon=True)
        try:
            self._child.start()
        except BaseException:
            self._recv.close()
            raise
        finally:
            send.close()

    def result(self) -> T:
        """The child's result; its exception raised here; ChildLost when it ended
        without one, SourceError when it sent one this process cannot read."""
        try:
            kind, payload = self._recv.recv()
        except EOFError:
            self.close()
            raise ChildLost(f"{self.what} ended without a result (killed, or out of "
                            "memory?)") from None
        except Exception as exc:  # noqa: BLE001 - a result this process cannot unpickle
            self.close()
            raise SourceError(f"the result of {self.what} could not be received: "
                              f"{type(exc).__name__}: {exc}") from None
        self._child.join(_EXIT_WAIT)  # it sent all it had: let it end on its own
        self.close()
        if kind == "error":
            raise payload
        return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the child unless it is done, and reap it (idempotent)."""
        self._recv.close()
        if self._child.is_alive():
            self._child.kill()  # an error or an interrupt here: its result is not wanted
        self._child.join()


def picklable(exc: BaseException) -> BaseException:
    """``exc``, or a RuntimeError with its text when it cannot go through a pipe."""
    try:
        pickle.dumps(exc)
    except Exception as err:  # noqa: BLE001 - sent as text instead
        return RuntimeError(f"{type(exc).__name__}: {exc} ({err})")
    return exc


def _run(send: Any, recv: Any, fn: Callable[[], Any]) -> None:
    # The parent's end, inherited by the fork: closed, a send after the parent is gone
    # fails (broken pipe) instead of blocking for ever.
    recv.close()
    # The program's SIGTERM handler (conformance.cli) is the parent's business.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        message: tuple[str, Any] = ("ok", fn())
    except BaseException as exc:  # noqa: BLE001 - the parent raises it, as if run there
        message = ("error", picklable(exc))
    try:
        send.send(message)
    except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
        send.send(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]} "
                                         f"({exc})")))
    send.close()

"""How the program stops: SIGTERM (``timeout``, a cancelled CI job) ends it as an
exception does, so that worker processes and temporary folders are cleaned up on the
way out; and a stop signal is not lost where Python ignores exceptions.

Python runs a signal's handler in the main thread, between two steps of whatever Python
code runs then. That can be an ``os.register_at_fork`` callback (logging's, while a
worker or the build's child is forked) or a ``__del__``, where the exception is printed
as "ignored" and the program goes on: a build told to stop ran to its end and exited 0.
The program's ``sys.unraisablehook`` notices such a lost stop and sends the signal to the
main thread again a moment later, to be handled in the code that runs then; if the
program ends anyway, its exit status is still the signal's. Only the program does this
(``entry``); a library call leaves the process's signals alone.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import time
from typing import Any

_AGAIN_AFTER = 0.01  # seconds: out of the callback that swallowed the exception


class Terminated(SystemExit):
    """The exit SIGTERM asks for (status 128 + 15)."""


class _State:
    pid = -1  # the program's process (a forked child is not it)
    main = 0  # its main thread, where Python runs signal handlers
    exiting = False  # the program's own code is done: no signal is sent again
    lost: int | None = None  # a stop signal whose exception was ignored
    previous: Any = None  # the unraisablehook before the program's


def _terminated(signum: int, frame: object) -> None:
    raise Terminated(128 + signum)


def _stop_signal(exc: BaseException | None) -> int | None:
    if isinstance(exc, Terminated):
        return signal.SIGTERM
    if isinstance(exc, KeyboardInterrupt) and callable(signal.getsignal(signal.SIGINT)):
        return signal.SIGINT  # only where a Python handler takes SIGINT
    return None


def _unraisable(args: Any) -> None:
    sig = _stop_signal(args.exc_value)
    if sig is None or _State.exiting:
        _State.previous(args)
        return
    if os.getpid() != _State.pid:  # a forked child, before it reset its handlers: stop
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        return
    _State.lost = sig
    if hasattr(signal, "pthread_kill"):
        # a raw thread: threading.Thread.start waits for it, here, where the signal's
        # exception would be ignored again
        _thread.start_new_thread(_send_again, (sig,))


def _send_again(sig: int) -> None:
    time.sleep(_AGAIN_AFTER)
    if not _State.exiting and callable(signal.getsignal(sig)):
        # to the main thread itself: a blocking call there (a sleep, a wait for a
        # worker's result) returns to handle it
        signal.pthread_kill(_State.main, sig)


def install() -> None:
    """The program's handling of SIGTERM (unless it is ignored already) and of a stop
    signal that Python would lose."""
    _State.pid = os.getpid()
    _State.main = _thread.get_ident()  # (threading, imported in another thread, errs)
    _State.previous = sys.unraisablehook
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)
    sys.unraisablehook = _unraisable


def finished(status: int) -> int:
    """The exit status of a program whose code returned ``status``: the signal's when a
    stop was lost and never handled (128 + the signal's number)."""
    _State.exiting = True
    return 128 + _State.lost if _State.lost is not None else status

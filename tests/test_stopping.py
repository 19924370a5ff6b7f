"""A stop signal that Python would lose (its exception raised in an at-fork callback,
where exceptions are printed and ignored) still stops the program."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

PRELUDE = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_DFL)
from conformance import stopping
stopping.install()
def fork_while(send):
    # the signal arrives while a process is forked: its handler runs in an at-fork
    # callback of this process
    os.register_at_fork(after_in_parent=send)
    if os.fork() == 0:
        os._exit(0)
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True,
                          text=True, timeout=60)


def test_sigterm_during_a_fork_stops_the_program() -> None:
    """(Seen: a build told to stop while forking its writer went on and exited 0.)"""
    t = time.monotonic()
    proc = _run("""
fork_while(lambda: os.kill(os.getpid(), signal.SIGTERM))
time.sleep(20)
print("went on")
""")
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "went on" not in proc.stdout and time.monotonic() - t < 15
    assert "Exception ignored" not in proc.stderr


def test_a_stop_lost_at_the_end_is_still_the_exit_status() -> None:
    """The program's code returns before the signal is sent again: the status is the
    signal's, and nothing is sent once the program's code is done."""
    proc = _run("""
fork_while(lambda: os.kill(os.getpid(), signal.SIGTERM))
status = stopping.finished(0)
time.sleep(0.2)  # a signal sent again now would end this with a traceback
print("status", status)
sys.exit(status)
""")
    assert proc.returncode == 128 + signal.SIGTERM and "status 143" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_ctrl_c_during_a_fork_interrupts() -> None:
    proc = _run("""
fork_while(lambda: os.kill(os.getpid(), signal.SIGINT))
try:
    time.sleep(20)
except KeyboardInterrupt:
    print("interrupted")
""")
    assert proc.returncode == 0 and "interrupted" in proc.stdout, proc.stderr


def test_an_ignored_ctrl_c_is_not_sent_again() -> None:
    """A KeyboardInterrupt raised by code where SIGINT is ignored: reported as Python
    does, no signal sent."""
    proc = _run("""
signal.signal(signal.SIGINT, signal.SIG_IGN)
def boom():
    raise KeyboardInterrupt
fork_while(boom)
time.sleep(0.3)
print("went on")
""")
    assert proc.returncode == 0 and "went on" in proc.stdout
    assert "Exception ignored" in proc.stderr and "KeyboardInterrupt" in proc.stderr


def test_other_ignored_exceptions_are_reported_as_before() -> None:
    proc = _run("""
fork_while(lambda: 1 / 0)
print("went on")
""")
    assert proc.returncode == 0 and "went on" in proc.stdout
    assert "Exception ignored" in proc.stderr and "ZeroDivisionError" in proc.stderr

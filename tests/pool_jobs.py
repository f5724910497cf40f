"""Jobs for the pool's tests, in a module that imports nothing heavy (workers import it)."""

from __future__ import annotations

import os
import signal
import sys
import time


def square(x: int) -> int:
    """x², except 3 (raises), 4 (its process is killed) and 5 (never ends in time)."""
    if x == 3:
        raise ValueError("trois")
    if x == 4:
        os.kill(os.getpid(), 9)
    if x == 5:
        time.sleep(60)
    return x * x


def pid(_: int) -> int:
    return os.getpid()


def loaded(name: str) -> tuple[int, bool]:
    """This worker's process and whether it has imported the module ``name``."""
    return os.getpid(), name in sys.modules


def interrupts(_: int) -> tuple[bool, bool]:
    """Whether this process ignores Ctrl-C (SIGINT) and whether it blocks it."""
    return (signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
            signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))

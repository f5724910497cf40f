"""Jobs for the pool's tests, in a module that imports nothing heavy (workers import it)."""

from __future__ import annotations

import os
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

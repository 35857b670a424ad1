"""Waking a sleeping thread on the server's one core without a wasted context switch.

A thread woken through a lock by a thread that holds the GIL is run by the kernel at once, finds the GIL taken
and sleeps again. A gate on the waiting thread's own eventfd is opened by a system call made with the GIL
released, so the woken thread starts at once. Used by the group commit (bot/db.py) and waitress's worker pool
(bot/dispatch.py). A thread sleeps on one gate at a time, so one eventfd per thread serves both.
"""

import os
import threading


class LockGate:
    """The gate where there is no eventfd: correct, without the saving."""
    __slots__ = ("_lock",)

    def __init__(self):
        self._lock = threading.Lock()
        self._lock.acquire()

    def wait(self):
        self._lock.acquire()

    def open(self):
        self._lock.release()


class EventfdGate:
    """A gate on the waiting thread's own eventfd (see the module docstring). Each open() is one count: the
    waiter reads once per open, so a gate left open by an interrupted wait only makes the next wait return
    early, and callers check what they waited for."""
    __slots__ = ("_owner",)

    def __init__(self, owner):
        self._owner = owner            # keeps the descriptor open until the gate is gone, even if its thread ends

    def wait(self):
        os.eventfd_read(self._owner.fd)

    def open(self):
        os.eventfd_write(self._owner.fd, 1)


class ThreadEventfd:
    """One eventfd per thread that waits (a thread waits on one gate at a time), closed when no gate needs it."""

    def __init__(self):
        self.fd = os.eventfd(0, os.EFD_CLOEXEC)

    def __del__(self):
        os.close(self.fd)


_owners = threading.local()


def thread_gate():
    """A gate for the calling thread to wait on: its eventfd on Linux, a lock elsewhere."""
    if not hasattr(os, "eventfd"):
        return LockGate()
    owner = getattr(_owners, "owner", None)
    if owner is None:
        owner = _owners.owner = ThreadEventfd()
    return EventfdGate(owner)

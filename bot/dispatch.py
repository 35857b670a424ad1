"""waitress's thread pool, waking an idle worker the way the server's one core needs.

waitress hands each request to an idle worker with `Condition.notify()`, made by the thread that reads the
socket while it holds the GIL (and the pool's lock): the kernel runs the woken worker at once, the worker finds
the GIL taken and sleeps again, and the reader runs on; two wasted context switches per request. Here each
idle worker sleeps on its own eventfd and is woken by a write made after the pool's lock is released, a system
call during which the GIL is free, so the woken worker starts serving at once. Measured in the same harness
as the echo server (docs/bench.md): ~0.59x -> ~0.69x of its throughput, p99 2.0x -> 1.8x.

Linux only (os.eventfd); elsewhere `make_dispatcher` returns None and waitress uses its own. It relies on the
attributes of waitress's ThreadedTaskDispatcher (queue, lock, threads, stop_count, active_count,
thread_exit_cv), which requirements.txt pins; tests/test_dispatch.py runs it against that version.
"""

import collections
import os

from waitress.task import ThreadedTaskDispatcher


class EventfdTaskDispatcher(ThreadedTaskDispatcher):
    def __init__(self):
        super().__init__()
        self.idle = collections.deque()    # eventfds of the workers waiting for a task, longest waiting first

    def handler_thread(self, thread_no):
        wakeup = os.eventfd(0, os.EFD_CLOEXEC)
        try:
            while True:
                with self.lock:
                    if self.stop_count > 0:
                        self.active_count -= 1
                        self.stop_count -= 1
                        self.threads.discard(thread_no)
                        self.thread_exit_cv.notify()
                        return
                    task = self.queue.popleft() if self.queue else None
                    if task is None:
                        self.active_count -= 1
                        self.idle.append(wakeup)
                if task is None:
                    os.eventfd_read(wakeup)        # one write per time this worker was listed as idle
                    with self.lock:
                        self.active_count += 1
                    continue
                try:
                    task.service()
                except BaseException:
                    self.logger.exception("Exception when servicing %r", task)
        finally:
            with self.lock:
                if wakeup in self.idle:            # only if this thread died waiting: never write to a closed fd
                    self.idle.remove(wakeup)
            os.close(wakeup)

    def add_task(self, task):
        with self.lock:
            self.queue.append(task)
            wakeup = self.idle.popleft() if self.idle else None
        if wakeup is not None:
            os.eventfd_write(wakeup, 1)            # the GIL is released during the write: see the module docstring

    def set_thread_count(self, count):
        super().set_thread_count(count)
        with self.lock:
            idle = list(self.idle) if self.stop_count else []     # stopping: every idle worker checks stop_count
            if idle:
                self.idle.clear()
        for wakeup in idle:
            os.eventfd_write(wakeup, 1)


def make_dispatcher(threads):
    """The pool for waitress's `_dispatcher`, started with `threads` workers; None where eventfd is missing."""
    if not hasattr(os, "eventfd"):
        return None
    dispatcher = EventfdTaskDispatcher()
    dispatcher.set_thread_count(threads)
    return dispatcher

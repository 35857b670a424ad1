"""waitress's thread pool, waking an idle worker the way the server's one core needs.

waitress hands each request to an idle worker with `Condition.notify()`, made by the thread that reads the
socket while it holds the GIL (and the pool's lock): the kernel runs the woken worker at once, the worker finds
the GIL taken and sleeps again, and the reader runs on; two wasted context switches per request. Here each
idle worker sleeps on its thread's gate (bot/wakeup.py), opened after the pool's lock is released, with the
GIL free, so the woken worker starts serving at once. Measured in the same harness
as the echo server (docs/bench.md): ~0.59x -> ~0.69x of its throughput, p99 2.0x -> 1.8x.

Linux only (os.eventfd); elsewhere `make_dispatcher` returns None and waitress uses its own. It relies on the
attributes of waitress's ThreadedTaskDispatcher (queue, lock, threads, stop_count, active_count,
thread_exit_cv), which requirements.txt pins; tests/test_dispatch.py runs it against that version.
"""

import collections
import os

from waitress.task import ThreadedTaskDispatcher

from .wakeup import thread_gate


class EventfdTaskDispatcher(ThreadedTaskDispatcher):
    def __init__(self):
        super().__init__()
        self.idle = collections.deque()    # gates of the workers waiting for a task, longest waiting first

    def handler_thread(self, thread_no):
        gate = thread_gate()
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
                    self.idle.append(gate)
            if task is None:
                self._sleep(gate)
                with self.lock:
                    self.active_count += 1
                continue
            try:
                task.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", task)

    def _sleep(self, gate):
        """Until add_task or set_thread_count takes this worker off the idle list and opens its gate."""
        while True:
            gate.wait()
            with self.lock:
                if gate not in self.idle:          # else a stray count on the thread's eventfd: sleep again
                    return

    def add_task(self, task):
        with self.lock:
            self.queue.append(task)
            gate = self.idle.popleft() if self.idle else None
        if gate is not None:
            gate.open()                            # the GIL is released during the write: see bot/wakeup.py

    def set_thread_count(self, count):
        super().set_thread_count(count)
        with self.lock:
            idle = list(self.idle) if self.stop_count else []     # stopping: every idle worker checks stop_count
            if idle:
                self.idle.clear()
        for gate in idle:
            gate.open()


def make_dispatcher(threads):
    """The pool for waitress's `_dispatcher`, started with `threads` workers; None where eventfd is missing."""
    if not hasattr(os, "eventfd"):
        return None
    dispatcher = EventfdTaskDispatcher()
    dispatcher.set_thread_count(threads)
    return dispatcher

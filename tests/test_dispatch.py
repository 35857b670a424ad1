import threading
import time

import pytest

from bot.dispatch import EventfdTaskDispatcher, make_dispatcher
from conftest import eventually


class Task:
    """What waitress queues: service() runs it, cancel() is called on what is still queued at shutdown."""

    def __init__(self, done, delay=0.0):
        self.done, self.delay, self.started = done, delay, threading.Event()

    def service(self):
        self.started.set()
        time.sleep(self.delay)
        self.done.append(threading.current_thread().name)

    def cancel(self):
        self.done.append("cancelled")


@pytest.fixture
def pool():
    dispatcher = make_dispatcher(4)
    if dispatcher is None:
        pytest.skip("no os.eventfd on this platform: waitress's own pool is used")
    yield dispatcher
    dispatcher.shutdown(timeout=2)


def test_every_task_added_from_many_threads_is_serviced_once(pool):
    done = []

    def add(n):
        for _ in range(50):
            pool.add_task(Task(done))
    adders = [threading.Thread(target=add, args=(n,)) for n in range(8)]
    for adder in adders:
        adder.start()
    for adder in adders:
        adder.join()
    assert eventually(lambda: len(done), 400) == 400
    assert len(set(done)) > 1                      # spread over the workers, not one


def test_idle_workers_wake_for_new_work_after_sleeping(pool):
    done = []
    assert eventually(lambda: len(pool.idle), 4) == 4      # all four asleep on their eventfds
    for _ in range(3):
        pool.add_task(Task(done))
    assert eventually(lambda: len(done), 3) == 3
    assert eventually(lambda: len(pool.idle), 4) == 4


def test_shutdown_stops_idle_and_busy_workers(pool):
    done = []
    busy = Task(done, delay=0.3)
    pool.add_task(busy)
    assert busy.started.wait(2)                    # one busy, three idle
    started = time.monotonic()
    pool.shutdown(timeout=2)
    assert pool.threads == set()
    assert time.monotonic() - started < 1.5
    assert done and done != ["cancelled"]          # the running task was let finish


def test_fewer_threads_stops_exactly_the_surplus(pool):
    pool.set_thread_count(1)
    assert eventually(lambda: len(pool.threads), 1) == 1
    done = []
    for _ in range(5):
        pool.add_task(Task(done))
    assert eventually(lambda: len(done), 5) == 5
    assert len(set(done)) == 1


def test_the_server_uses_it(app):
    from bot.web import _waitress_options
    options = _waitress_options(app, 2)
    try:
        assert isinstance(options["_dispatcher"], EventfdTaskDispatcher)
    finally:
        options["_dispatcher"].shutdown(timeout=2)

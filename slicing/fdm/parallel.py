"""Layer work spread over the machine's cores: the same results, in layer order, as a plain loop gives.

Layers are handed out in chunks to worker processes forked from this one, so the work function (a closure
over the stage's inputs) is inherited rather than sent; only the results travel back, pickled. Each
layer's result is a pure function of its inputs, so the output does not depend on how many workers ran.

Forking is only done on Linux, from the main thread of a process whose Python code runs no other thread: a fork
taken while another thread holds a lock (a GUI's, a logger's) could leave the child waiting on it for
ever. Elsewhere, and for parts with few layers, the layers are worked through in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# Below this many layers the work is too short to win back a fork and the pickling of the results.
MIN_PARALLEL_LAYERS = 24
# Layers per task: large enough to keep the pickling overhead low, small enough to balance the workers
# when some layers take much longer than others.
_CHUNK = 4

_work: Callable[[int], Any] | None = None


def worker_count() -> int:
    """The number of processes layer work may use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_layers(work: Callable[[int], T], count: int, on_done: Callable[[int], None], *,
               min_parallel: int = MIN_PARALLEL_LAYERS, chunk: int = _CHUNK) -> list[T]:
    """[work(0), ..., work(count - 1)], computed across the cores when that pays: for at least min_parallel
    items, handed out `chunk` at a time (other work than layers, a sheet of CNC parts, gives its own).

    on_done(n) is called in this process as results arrive (n of them so far); an exception it raises
    (a cancel) stops the workers and propagates.
    """
    global _work
    workers = min(worker_count(), max(1, count // chunk))
    if workers < 2 or count < min_parallel or not _fork_is_safe():
        results = []
        for index in range(count):
            on_done(index)
            results.append(work(index))
        return results
    _work = work
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = []
            for result in pool.imap(_run, range(count), chunksize=chunk):
                on_done(len(results))
                results.append(result)
            return results
    finally:
        _work = None


def run_beside(work: Callable[[], T]) -> Callable[[], T]:
    """Start work() in a process forked from this one, while this one goes on with what only it can do (a
    sequential stage that leaves a core idle); the function returned waits for work's result and returns it
    (or raises what work raised). Where forking is not safe, work() runs when its result is asked for."""
    if not _fork_is_safe():
        return work
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(work, sender), daemon=True)
    process.start()
    sender.close()

    def result() -> T:
        try:
            succeeded, value = receiver.recv()
        except EOFError:
            raise RuntimeError("a worker process ended without giving its result") from None
        finally:
            receiver.close()
            process.join()
        if not succeeded:
            raise value
        return value

    return result


def _send_result(work: Callable[[], Any], sender: Any) -> None:
    try:
        outcome = (True, work())
    except BaseException as exc:  # handed to the parent, which raises it where the result is asked for
        outcome = (False, exc)
    sender.send(outcome)
    sender.close()


def _run(index: int) -> Any:
    assert _work is not None
    return _work(index)


def _fork_is_safe() -> bool:
    return (
        sys.platform.startswith("linux")  # macOS offers fork, but its system libraries do not survive one
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
        and not multiprocessing.parent_process()
    )

"""Long work off the UI thread, with only the newest request's answer handed back to it.

Builds, checks and slices all run through a `LatestRunner`: one worker thread, numbered requests, a cancel
flag per request, and progress reported through queued signals, so the UI thread only ever swaps results in.

The worker is a plain Python thread, not a Qt thread-pool thread running a Python `QRunnable`: PySide keeps
the interpreter busy on a pool thread outside any Python frame (wrapping the runnable, deleting it after it
ran), and the suite crashed there at random (a segmentation fault on such a thread, once in a full run). The
answers come back through signals received by declared slots, so Qt queues them to the UI thread by the
receiving object's thread, not by guesswork about a Python callable.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.errors import USER_ERRORS

log = logging.getLogger(__name__)

# How long closing the window waits for cancelled work to stop; a build polls its cancel flag every 5 ms,
# an OpenSCAD render every 50 ms, the slicer between layers.
SHUTDOWN_WAIT_MS = 10_000

Progress = Callable[[float, str], None]
Work = Callable[[threading.Event, Progress], Any]


class _WorkerThread:
    """One daemon thread that runs queued calls in order, started at the first call and ended by `stop`.

    A daemon, so a call stuck past the window's closing cannot keep the process from exiting.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._calls: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._unfinished = 0
        self._idle = threading.Condition()

    @property
    def unfinished(self) -> int:
        """Calls queued or running."""
        with self._idle:
            return self._unfinished

    def submit(self, call: Callable[[], None]) -> None:
        with self._idle:
            self._unfinished += 1
        self._calls.put(call)
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
            self._thread.start()

    def stop(self, wait_ms: int) -> bool:
        """End the thread after the calls already queued; False if they did not finish within `wait_ms`."""
        self._calls.put(None)
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout=wait_ms / 1000)

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            try:
                call()
            finally:
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()


class LatestRunner(QObject):
    """Runs one piece of work at a time on a worker thread; a newer request cancels the running one.

    Answers are numbered; one that is not the newest request's is dropped, so slow, stale work can never
    overwrite what the person asked for last.
    """

    started = Signal(str)  # what is running, in words for the status bar
    progressed = Signal(float, str)  # fraction 0..1 and the stage's name
    done = Signal(object)  # whatever the work returned
    failed = Signal(str)  # a message for a person
    cancelled = Signal()

    # Emitted on the worker thread; Qt queues them to this object's (the UI) thread.
    _finished = Signal(int, object, object)
    _progress = Signal(int, float, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # One at a time: cancelled work stops before the next starts (a killed build frees its worker process).
        self._worker = _WorkerThread("localfab-background")
        self._request_number = 0
        self._cancel_running = threading.Event()
        self._busy = False
        self._shut_down = False
        self._finished.connect(self._deliver)
        self._progress.connect(self._forward_progress)

    @property
    def busy(self) -> bool:
        """Whether the newest request is still running."""
        return self._busy

    @property
    def threads_running(self) -> int:
        """How many requests are still queued or running on the worker thread (0 once `shutdown` has returned)."""
        return self._worker.unfinished

    def request(self, label: str, work: Work) -> None:
        """Run `work(cancel, progress)` on the worker thread; whatever ran before is cancelled and dropped.

        `label` says what runs ("Building Storage box…"); `work` must stop soon after the event `cancel` is
        set (poll `cancel.is_set`, or hand the event to an upload) and may call `progress(fraction, stage)`.
        """
        if self._shut_down:
            return
        self._drop_running()
        self._request_number += 1
        number, cancel = self._request_number, threading.Event()
        self._cancel_running = cancel
        self._busy = True
        self._worker.submit(lambda: self._run(number, label, work, cancel))
        self.started.emit(label)

    def cancel(self) -> None:
        """Stop the running work, if any, and say so."""
        if self._busy:
            self._drop_running()
            self.cancelled.emit()

    def discard_running(self) -> None:
        """Stop the running work without a word, e.g. because what it was given is no longer wanted."""
        self._drop_running()

    def shutdown(self) -> None:
        """Cancel everything and wait for the worker thread to finish; no signal is emitted afterwards."""
        self._shut_down = True
        self._drop_running()
        if not self._worker.stop(SHUTDOWN_WAIT_MS):
            log.warning("background work did not stop within %d ms of closing the window", SHUTDOWN_WAIT_MS)

    def _drop_running(self) -> None:
        self._cancel_running.set()
        self._request_number += 1  # whatever is in flight now answers an outdated request
        self._busy = False

    def _run(self, number: int, label: str, work: Work, cancel: threading.Event) -> None:
        # Runs on the worker thread: touch no widget here, only emit.
        if cancel.is_set():  # a newer request came while this one waited its turn
            return

        def progress(fraction: float, stage: str) -> None:
            self._progress.emit(number, fraction, stage)

        try:
            result = work(cancel, progress)
        except USER_ERRORS as exc:
            self._finished.emit(number, None, str(exc))
        except (KeyboardInterrupt, SystemExit):
            raise
        # A bug must reach the person as a message, never kill the thread silently; a panic in a Rust library
        # (pyo3's PanicException) is a BaseException, not an Exception.
        except BaseException as exc:
            log.exception("%s failed unexpectedly", label)
            self._finished.emit(number, None, f"{label.rstrip('…')} failed unexpectedly "
                                              f"({type(exc).__name__}: {exc}); this is a bug in localfab")
        else:
            self._finished.emit(number, result, None)

    @Slot(int, float, str)
    def _forward_progress(self, number: int, fraction: float, stage: str) -> None:
        if not self._shut_down and number == self._request_number:
            self.progressed.emit(fraction, stage)

    @Slot(int, object, object)
    def _deliver(self, number: int, result: Any, message: str | None) -> None:
        if self._shut_down or number != self._request_number:
            return
        self._busy = False
        if message is None:
            self.done.emit(result)
        else:
            self.failed.emit(message)

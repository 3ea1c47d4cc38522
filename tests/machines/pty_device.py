"""A pseudo-terminal pair standing in for a USB serial cable: the connector opens `path`, the simulated
firmware reads and writes the other end in a thread of its own."""

from __future__ import annotations

import os
import select
import threading
import tty
from abc import ABC, abstractmethod


class PtyDevice(ABC):
    """Runs `self.handle(data) -> bytes` (in a subclass) on whatever arrives; what it returns is sent back."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing: bytes go through as a cable carries them
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"firmware {self.path}")

    def __enter__(self) -> PtyDevice:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self._master)
        os.close(self._slave)

    @abstractmethod
    def handle(self, data: bytes) -> bytes:
        raise NotImplementedError

    def idle(self) -> bytes:
        """Called when nothing arrived for a while; what it returns is sent."""
        return b""

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._master, view)
            view = view[written:]

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.001)
            if not ready:
                reply = self.idle()
            else:
                try:
                    data = os.read(self._master, 65536)
                except OSError:  # the other end closed for a moment (the connector reopening the port)
                    continue
                reply = self.handle(data)
            if reply:
                self.send(reply)

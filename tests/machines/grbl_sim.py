"""A simulated GRBL 1.1 on a pseudo-terminal, written for the tests: a 128-byte receive buffer that records
how full it got (and whether it overflowed), lines taken out of it at a machine's pace and answered `ok`,
real-time `?`, `!`, `~` and Ctrl-X, `$I` and `$$` replies, and an error for lines it is told to refuse."""

from __future__ import annotations

import time

from .pty_device import PtyDevice

REALTIME = {ord("?"), ord("!"), ord("~"), 0x18}


class SimulatedGrbl(PtyDevice):
    def __init__(self, buffer_bytes: int = 128, line_time_s: float = 0.0001, refuse: str | None = None,
                 boot_s: float = 0.0) -> None:
        super().__init__()
        self.booted_at = time.monotonic() + boot_s  # as a board restarting when its port opens: deaf till then
        self.greeted = boot_s == 0
        self.buffer_bytes = buffer_bytes
        self.line_time_s = line_time_s
        self.refuse = refuse
        self.buffer = bytearray()
        self.max_fill = 0
        self.overflowed = False
        self.executed: list[str] = []
        self.state = "Idle"
        self.status_queries = 0
        self._next_line_at = 0.0

    def handle(self, data: bytes) -> bytes:
        if time.monotonic() < self.booted_at:
            return b""
        reply = b""
        for byte in data:
            if byte in REALTIME:
                reply += self._realtime(byte)
            else:
                self.buffer.append(byte)
        self.max_fill = max(self.max_fill, len(self.buffer))
        if len(self.buffer) > self.buffer_bytes - 1:
            self.overflowed = True
        return reply + self.idle()

    def idle(self) -> bytes:
        """Take out of the buffer the whole lines the machine is ready for by now (none while held)."""
        reply = b""
        now = time.monotonic()
        if not self.greeted and now >= self.booted_at:
            self.greeted = True
            reply += b"\r\nGrbl 1.1h ['$' for help]\n"
        while self.state != "Hold:0" and b"\n" in self.buffer and now >= self._next_line_at:
            end = self.buffer.index(b"\n")
            line = self.buffer[:end].decode("ascii").strip()
            del self.buffer[:end + 1]
            self._next_line_at = max(self._next_line_at, now - 0.01) + self.line_time_s
            reply += self._execute(line)
        return reply

    def _execute(self, line: str) -> bytes:
        if line == "$I":
            return b"[VER:1.1h.20190825:]\n[OPT:V,15,128]\nok\n"
        if line == "$$":
            return b"$130=300.000\n$131=200.000\n$132=50.000\nok\n"
        if self.refuse is not None and line == self.refuse:
            return b"error:20\n"
        self.executed.append(line)
        self.state = "Run"
        return b"ok\n"

    def _realtime(self, byte: int) -> bytes:
        if byte == ord("?"):
            self.status_queries += 1
            return b"<%s|MPos:0.000,0.000,0.000|FS:0,0>\n" % self.state.encode()
        if byte == ord("!"):
            self.state = "Hold:0"
        elif byte == ord("~"):
            self.state = "Run"
        else:
            self.buffer.clear()
            self.state = "Idle"
            return b"\r\nGrbl 1.1h ['$' for help]\n"
        return b""

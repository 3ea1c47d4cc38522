"""What the USB serial connectors (Marlin, GRBL) share: opening the port with timeouts, reading whole lines
fast, and a streaming job that runs in a thread of its own with progress by lines and bytes, pause,
resume and cancel. The machine keeps no file: `upload` holds the program here and `start` streams it, so a
serial job lives as long as this process does (`wait` blocks until it ends)."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import serial

from app.machines.base import (
    ERROR,
    IDLE,
    PAUSED,
    PRINTING,
    FileRejected,
    MachineError,
    MachineStatus,
    MachineTimeout,
    PrinterBusy,
    Unreachable,
    UploadProgress,
    UploadResult,
)

READ_SLICE_S = 0.05
WRITE_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 10.0


def open_port(device: str, baud: int) -> serial.Serial:
    try:
        # Exclusive: a second program (or a second localfab) writing into a running job would ruin it.
        return serial.Serial(device, baudrate=baud, timeout=READ_SLICE_S, write_timeout=WRITE_TIMEOUT_S,
                             exclusive=True)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise Unreachable(f"cannot open {device} ({exc}): check the USB cable, that the machine is on, and that "
                          "no other program (a slicer, OctoPrint) holds the port") from exc


class LineReader:
    """Whole lines from a port, reading what has arrived in one call rather than a byte at a time."""

    def __init__(self, port: serial.Serial) -> None:
        self._port = port
        self._buffer = bytearray()
        self._lines: list[str] = []

    def read_line(self, timeout_s: float) -> str | None:
        """The next line without its end, or None when none arrives within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while not self._lines:
            try:
                chunk = self._port.read(max(1, self._port.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise Unreachable(f"the machine on {self._port.port} went away ({exc}): check the USB cable "
                                  "and the machine's power") from exc
            if chunk:
                self._buffer += chunk
                *whole, rest = self._buffer.split(b"\n")
                self._buffer = bytearray(rest)
                self._lines += [w.decode("ascii", "replace").strip() for w in whole]
            elif time.monotonic() >= deadline:
                return None
        return self._lines.pop(0)


@dataclass(frozen=True)
class Command:
    """One command to stream, and where its line ends in the original program (bytes)."""

    text: str
    end_byte: int


def program_commands(data: bytes, strip: Callable[[str], str]) -> list[Command]:
    """The program's commands without comments and blank lines; `strip` removes a line's comment."""
    commands: list[Command] = []
    offset = 0
    for raw in data.splitlines(keepends=True):
        offset += len(raw)
        try:
            text = strip(raw.decode("ascii")).strip()
        except UnicodeDecodeError as exc:
            raise FileRejected(f"the program has a non-ASCII line near byte {offset}: not G-code a serial "
                               "machine can read") from exc
        if text:
            commands.append(Command(text, offset))
    return commands


class SerialJob(ABC):
    """A connector that streams over a serial port. Subclasses give `kind`, `_strip_comment`, `probe` and
    `_stream` (the protocol), and may react to pause, resume and cancel in `_on_control`."""

    kind = "serial"

    def __init__(self, device: str, baud: int = 115200, response_timeout_s: float = 30.0,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.device = device
        self.baud = baud
        self.response_timeout_s = response_timeout_s
        self.connect_timeout_s = connect_timeout_s  # a board restarts as its port opens: time to wait for it
        self._program: tuple[str, bytes, list[Command]] | None = None
        self._thread: threading.Thread | None = None
        self._port: serial.Serial | None = None  # the streaming port, while a stream runs
        self._paused = threading.Event()
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._done_commands = 0
        self._failure: MachineError | None = None
        self._temperatures: dict[str, tuple[float, float]] = {}
        self._message = ""

    # The connector interface.
    def upload(self, name: str, data: bytes, progress: UploadProgress | None = None,
               cancel_flag: threading.Event | None = None) -> UploadResult:
        commands = program_commands(data, self._strip_comment)
        if not commands:
            raise FileRejected(f"{name} has no commands to send")
        self._program = (name, data, commands)
        if progress is not None:
            progress(len(data), len(data))
        return UploadResult(name=name, size=len(data), verified="")

    def start(self, name: str) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise PrinterBusy(f"{self.device} is already streaming {self._program[0] if self._program else 'a job'}")
        if self._program is None or self._program[0] != name:
            raise FileRejected(f"{name} was not uploaded to this connection: a USB machine keeps no files, "
                               "send the program with --start")
        port = open_port(self.device, self.baud)
        self._done_commands = 0
        self._failure = None
        self._paused.clear()
        self._cancelled.clear()
        self._thread = threading.Thread(target=self._run, args=(port, self._program[2]), daemon=True,
                                        name=f"stream {self.device}")
        self._thread.start()

    def status(self) -> MachineStatus:
        if self._program is None or self._thread is None:
            return MachineStatus(state=IDLE, message=self._message or "no job is streaming from this computer")
        name, _, commands = self._program
        done = self._done_commands
        running = self._thread.is_alive()
        state = ERROR if self._failure else PAUSED if running and self._paused.is_set() else \
            PRINTING if running else IDLE
        return MachineStatus(state=state, file=name, progress_pct=round(100.0 * done / len(commands), 2),
                             temperatures=dict(self._temperatures),
                             message=str(self._failure) if self._failure else self._message)

    def progress(self) -> tuple[int, int, int, int]:
        """(commands done, commands in all, bytes of the program done, bytes in all)."""
        _, data, commands = self._program or ("", b"", [])
        done = self._done_commands
        done_bytes = len(data) if done == len(commands) else commands[done - 1].end_byte if done else 0
        return done, len(commands), done_bytes, len(data)

    def pause(self) -> None:
        self._require_running("pause")
        self._paused.set()
        self._on_control("pause")

    def resume(self) -> None:
        self._require_running("resume")
        self._paused.clear()
        self._on_control("resume")

    def cancel(self) -> None:
        self._require_running("cancel")
        self._cancelled.set()
        self._paused.clear()
        self._on_control("cancel")

    def wait(self, timeout_s: float | None = None) -> MachineStatus:
        """Block until the stream ends (or `timeout_s` passes); a failed stream raises its error."""
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                raise MachineTimeout(f"the job on {self.device} is still running after {timeout_s} s")
        if self._failure is not None:
            raise self._failure
        return self.status()

    # For the protocols.
    @abstractmethod
    def _strip_comment(self, line: str) -> str:
        raise NotImplementedError

    @abstractmethod
    def _stream(self, port: serial.Serial, commands: list[Command]) -> None:
        raise NotImplementedError

    def _on_control(self, action: str) -> None:  # noqa: B027 - optional: Marlin needs nothing here, GRBL does
        """Called in the caller's thread after pause, resume or cancel was asked for."""

    def _set_done(self, count: int) -> None:
        self._done_commands = count

    def _run(self, port: serial.Serial, commands: list[Command]) -> None:
        self._port = port
        try:
            self._stream(port, commands)
        except MachineError as exc:
            self._failure = exc
        except (serial.SerialException, OSError) as exc:
            self._failure = Unreachable(f"the machine on {self.device} went away while streaming ({exc}): check "
                                        "the cable and the machine; the job is incomplete")
        finally:
            with self._lock:
                port.close()
                self._port = None

    def _write(self, data: bytes) -> None:
        """Write to the streaming port, from the stream's thread or (real-time commands) the caller's."""
        with self._lock:
            if self._port is not None and self._port.is_open:
                self._port.write(data)

    def _require_running(self, action: str) -> None:
        if self._thread is None or not self._thread.is_alive():
            raise PrinterBusy(f"nothing to {action}: no job is streaming to {self.device}")

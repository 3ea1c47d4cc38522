"""The one interface every machine connector offers, what it reports, and the errors it raises.

Every connector, network or serial, offers the same verbs (as OctoPrint's own REST surface does): `probe`,
`upload`, `start`, `status`, `pause`, `resume`, `cancel`. Sizes are in bytes, lengths in millimetres, times in
seconds, temperatures in degrees Celsius. A connector never retries a start: the caller decides what to do
when a start's outcome is unknown (see `app.machines.send`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from app.errors import LocalfabError

UploadProgress = Callable[[int, int], None]
"""Called as bytes are sent: (bytes sent so far, total bytes)."""

# Machine states, the same words for every connector.
IDLE, PRINTING, PAUSED, BUSY, ERROR, OFFLINE = "idle", "printing", "paused", "busy", "error", "offline"


class MachineError(LocalfabError):
    """A machine could not do what was asked; the message says what to do about it."""


class Unreachable(MachineError):
    """Nothing answers at the address (machine off, wrong network, cable out)."""


class WrongAddress(MachineError):
    """Something answers at the address, but it is not the kind of machine or server expected."""


class AuthenticationFailed(MachineError):
    """The machine refused the API key or password."""


class PrinterBusy(MachineError):
    """The machine is printing or otherwise not ready for this command."""


class FileRejected(MachineError):
    """The machine refused the file (name, type, or it failed verification after the upload)."""


class DiskFull(MachineError):
    """The machine has no room left for the file."""


class MachineTimeout(MachineError):
    """The machine stopped answering within the time allowed."""


@dataclass(frozen=True)
class MachineInfo:
    """What `probe` learns: who answers, in what state, and the bed size where the API tells (mm)."""

    connector: str
    firmware: str
    printer: str
    state: str
    bed_size_mm: tuple[float, float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MachineStatus:
    """What `status` reports. `progress_pct` 0-100 or None when unknown; temperatures as
    {heater: (actual °C, target °C)}; `time_left_s` None when the machine does not estimate it."""

    state: str
    file: str | None = None
    progress_pct: float | None = None
    temperatures: dict[str, tuple[float, float]] = field(default_factory=dict)
    time_left_s: float | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["temperatures"] = {k: list(v) for k, v in self.temperatures.items()}
        return data


@dataclass(frozen=True)
class UploadResult:
    """The file as the machine stores it; `verified` says how its arrival was checked ("size", "sha1",
    "sha256"), empty when the API offers no way to check."""

    name: str
    size: int
    verified: str = ""


class Connector(Protocol):
    """A machine connector. `cancel_flag`, where taken, stops a long upload between chunks."""

    kind: str

    def probe(self) -> MachineInfo: ...

    def upload(self, name: str, data: bytes, progress: UploadProgress | None = None,
               cancel_flag: threading.Event | None = None) -> UploadResult: ...

    def start(self, name: str) -> None: ...

    def status(self) -> MachineStatus: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def cancel(self) -> None: ...

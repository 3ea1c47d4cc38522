"""Sending one program to one machine without losing or doubling the job.

The job's identity is the program's SHA-256 together with its file name: the name on the machine carries
the first 12 hex digits of the hash, so an upload sent again replaces the same file, and a machine that is
already printing that name is never told to start it again. A start is sent at most once: when its answer
is lost, the machine is asked what it is doing rather than being sent the start again.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from app.errors import LocalfabError
from app.machines.base import (
    BUSY,
    PAUSED,
    PRINTING,
    Connector,
    MachineTimeout,
    PrinterBusy,
    Unreachable,
    UploadProgress,
    UploadResult,
)

PROGRAM_SUFFIXES = (".gcode", ".gco", ".g", ".nc")
MAX_PROGRAM_BYTES = 1 << 30


@dataclass(frozen=True)
class Program:
    """A machine program to send: the name it gets on the machine, and its bytes."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class SendResult:
    upload: UploadResult
    started: bool


def read_program(path: Path) -> Program:
    """The program in a G-code file or a .localfab recipe, named `<stem>-<first 12 of its SHA-256>.gcode`."""
    path = Path(path)
    if path.suffix.lower() == ".localfab":
        from app.jobs import PROGRAM_FILE, read_recipe

        data = read_recipe(path).files[PROGRAM_FILE]
    elif path.suffix.lower() in PROGRAM_SUFFIXES:
        if not path.is_file():
            raise LocalfabError(f"{path}: no such file; check the path")
        if path.stat().st_size > MAX_PROGRAM_BYTES:
            raise LocalfabError(f"{path.name} is over {MAX_PROGRAM_BYTES >> 20} MiB: not a program localfab sends")
        data = path.read_bytes()
    else:
        raise LocalfabError(f"{path.name}: send a G-code file ({', '.join(PROGRAM_SUFFIXES)}) or a .localfab "
                            "recipe")
    if not data.strip():
        raise LocalfabError(f"{path.name} holds no program")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("._")[:48] or "program"
    return Program(name=f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}.gcode", data=data)


def send_program(connector: Connector, program: Program, start: bool, progress: UploadProgress | None = None,
                 cancel_flag: threading.Event | None = None) -> SendResult:
    """Upload `program` (verified) and, with `start`, start it once."""
    if start:
        refuse_if_printing(connector, program)
    upload = connector.upload(program.name, program.data, progress, cancel_flag)
    if not start:
        return SendResult(upload=upload, started=False)
    try:
        connector.start(upload.name)
    except (MachineTimeout, Unreachable) as exc:
        raise MachineTimeout(f"the start of {upload.name} was sent but its answer was lost ({exc}); it was not "
                             "sent again: see whether it runs with `localfab status` before sending again") from exc
    return SendResult(upload=upload, started=True)


def refuse_if_printing(connector: Connector, program: Program) -> None:
    status = connector.status()
    if status.state not in (PRINTING, PAUSED, BUSY):
        return
    if status.file and Path(status.file).name == program.name:
        raise PrinterBusy(f"the machine is already printing this job ({program.name}, {status.state}): "
                          "it was not started again")
    raise PrinterBusy(f"the machine is {status.state} ({status.file or 'another job'}): wait until it is done, "
                      "or cancel that job first")

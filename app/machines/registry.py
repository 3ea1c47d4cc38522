"""The printers the user owns: name, connector kind, address, API key and machine profile, kept in
`printers.json` in the user's config folder ($LOCALFAB_CONFIG_DIR, else platformdirs' user config folder).

The file holds secrets, so it is written with mode 600 (owner only) and replaced whole; keys are shown
masked and never leave this module except to the connector that needs them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

from app.errors import LocalfabError
from app.machines.base import Connector

PRINTERS_FILE = "printers.json"
CONNECTORS = ("octoprint", "moonraker", "prusalink", "marlin", "grbl")
NETWORK_CONNECTORS = ("octoprint", "moonraker", "prusalink")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class PrinterNotFound(LocalfabError):
    """No printer of that name is registered."""


@dataclass(frozen=True)
class Printer:
    """One registered machine. `address` is host:port (or a URL) for network connectors, a serial device
    (optionally `DEVICE@BAUD`) for marlin and grbl; `profile` names the machine profile it prints with."""

    name: str
    connector: str
    address: str
    api_key: str = ""
    profile: str = ""

    def shown(self) -> dict[str, str]:
        """The record as it may be printed: the key masked."""
        return {**asdict(self), "api_key": mask(self.api_key)}


def mask(secret: str) -> str:
    if not secret:
        return ""
    return "****" + secret[-4:] if len(secret) >= 12 else "****"


def config_dir() -> Path:
    return Path(os.environ.get("LOCALFAB_CONFIG_DIR") or platformdirs.user_config_dir("localfab"))


def printers_path() -> Path:
    return config_dir() / PRINTERS_FILE


def list_printers() -> list[Printer]:
    return sorted(_read().values(), key=lambda p: p.name)


def get_printer(name: str) -> Printer:
    printers = _read()
    if name not in printers:
        known = ", ".join(sorted(printers)) or "none yet"
        raise PrinterNotFound(f"no printer named {name!r} (registered: {known}); add it with "
                              "`localfab printers add`")
    return printers[name]


def add_printer(printer: Printer) -> None:
    """Register `printer`, replacing one of the same name."""
    if not _NAME.match(printer.name):
        raise LocalfabError(f"{printer.name!r} is not a usable printer name: letters, digits, '.', '_' and "
                            "'-', up to 64")
    if printer.connector not in CONNECTORS:
        raise LocalfabError(f"unknown connector {printer.connector!r}: use one of {', '.join(CONNECTORS)}")
    if not printer.address.strip():
        raise LocalfabError("give the printer's address: host:port for a network printer, the serial device "
                            "(e.g. /dev/ttyUSB0 or /dev/ttyUSB0@250000) for USB")
    printers = _read()
    printers[printer.name] = printer
    _write(printers)


def remove_printer(name: str) -> None:
    printers = _read()
    if name not in printers:
        get_printer(name)  # raises with the names that are registered
    del printers[name]
    _write(printers)


def connector_for(printer: Printer) -> Connector:
    """The connector that talks to `printer`."""
    if printer.connector == "octoprint":
        from app.machines.octoprint import OctoPrint

        return OctoPrint(printer.address, printer.api_key)
    if printer.connector == "moonraker":
        from app.machines.moonraker import Moonraker

        return Moonraker(printer.address, printer.api_key)
    if printer.connector == "prusalink":
        from app.machines.prusalink import PrusaLink

        return PrusaLink(printer.address, printer.api_key)
    if printer.connector == "marlin":
        from app.machines.marlin_serial import MarlinSerial

        return MarlinSerial(*_device(printer.address))
    if printer.connector == "grbl":
        from app.machines.grbl_serial import GrblSerial

        return GrblSerial(*_device(printer.address))
    raise LocalfabError(f"{printer.name}: unknown connector {printer.connector!r}")


def _device(address: str) -> tuple[str, int]:
    device, _, baud = address.partition("@")
    if baud and not baud.isdigit():
        raise LocalfabError(f"{address!r}: the baud rate after '@' must be a number, e.g. /dev/ttyUSB0@115200")
    return device, int(baud or 115200)


def _read() -> dict[str, Printer]:
    path = printers_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: Printer(name=name, **_fields(record)) for name, record in data["printers"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LocalfabError(f"{path} is damaged ({exc}): fix or delete it, then add the printers again") from exc


def _fields(record: Any) -> dict[str, str]:
    allowed = ("connector", "address", "api_key", "profile")
    return {key: str(record[key]) for key in allowed if key in record}


def _write(printers: dict[str, Printer]) -> None:
    path = printers_path()
    data = {"printers": {name: {k: v for k, v in asdict(p).items() if k != "name"}
                         for name, p in sorted(printers.items())}}
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.partial")
        # Created owner-only from the start, so the key is never readable by others, not even for a moment.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    except OSError as exc:
        raise LocalfabError(f"cannot write {path}: {exc.strerror}") from exc

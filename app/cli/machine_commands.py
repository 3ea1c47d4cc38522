"""The machine sub-commands: printers add|list|test|remove, send, status."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.arguments import add_json
from app.cli.output import EXIT_OK, duration, emit, table
from app.errors import LocalfabError

if TYPE_CHECKING:
    from app.machines.serial_link import SerialJob


def register(commands: argparse._SubParsersAction) -> None:
    from app.machines.registry import CONNECTORS

    printers = commands.add_parser("printers", help="the printers you own: add, list, test, remove")
    printer_commands = printers.add_subparsers(title="printers commands", metavar="COMMAND", required=True)
    add = printer_commands.add_parser("add", help="register a printer (or replace one of the same name)")
    add.add_argument("name", help="a short name, e.g. mk4 or shed-cnc")
    add.add_argument("--connector", required=True, choices=CONNECTORS, help="how localfab talks to it")
    add.add_argument("--address", required=True,
                     help="host:port (or URL) of the server, or the serial device, e.g. /dev/ttyUSB0@115200")
    add.add_argument("--api-key", default="", help="the API key (or `-` to read it from standard input, which "
                                                   "keeps it out of the shell history)")
    add.add_argument("--profile", default="", help="the machine profile it prints with")
    add.set_defaults(run=_add)

    listing = printer_commands.add_parser("list", help="list the printers (API keys masked)")
    add_json(listing)
    listing.set_defaults(run=_list)

    test = printer_commands.add_parser("test", help="ask a printer who it is and what it is doing")
    test.add_argument("name")
    add_json(test)
    test.set_defaults(run=_test)

    remove = printer_commands.add_parser("remove", help="forget a printer")
    remove.add_argument("name")
    remove.set_defaults(run=_remove)

    send = commands.add_parser("send", help="send a program (G-code or .localfab recipe) to a printer")
    send.add_argument("program", type=Path, metavar="PROGRAM_OR_RECIPE")
    send.add_argument("--to", required=True, metavar="NAME", help="the printer (see `localfab printers list`)")
    send.add_argument("--start", action="store_true", help="start the job once it is uploaded and verified")
    add_json(send)
    send.set_defaults(run=_send)

    status = commands.add_parser("status", help="what a printer is doing: state, progress, temperatures")
    status.add_argument("name")
    add_json(status)
    status.set_defaults(run=_status)


def _add(args: argparse.Namespace) -> int:
    from app.machines.registry import Printer, add_printer

    key = sys.stdin.readline().strip() if args.api_key == "-" else args.api_key
    printer = Printer(name=args.name, connector=args.connector, address=args.address, api_key=key,
                      profile=args.profile)
    add_printer(printer)
    print(f"added {printer.name} ({printer.connector} at {printer.address})")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from app.machines.registry import list_printers

    shown = [p.shown() for p in list_printers()]
    rows = [[p["name"], p["connector"], p["address"], p["profile"], p["api_key"]] for p in shown]
    emit(args, shown, lambda: table(["name", "connector", "address", "profile", "api key"], rows)
         if rows else "no printers yet: add one with `localfab printers add`")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    from app.machines.registry import connector_for, get_printer

    info = connector_for(get_printer(args.name)).probe()

    def text() -> str:
        bed = " x ".join(f"{v:g}" for v in info.bed_size_mm) + " mm" if info.bed_size_mm else "not told"
        return f"{args.name}: {info.firmware}, {info.printer}, {info.state}; bed {bed}"

    emit(args, info.as_dict(), text)
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from app.machines.registry import remove_printer

    remove_printer(args.name)
    print(f"removed {args.name}")
    return EXIT_OK


def _send(args: argparse.Namespace) -> int:
    from app.machines.registry import connector_for, get_printer
    from app.machines.send import read_program, send_program
    from app.machines.serial_link import SerialJob

    program = read_program(args.program)
    printer = get_printer(args.to)
    connector = connector_for(printer)
    if isinstance(connector, SerialJob) and not args.start:
        raise LocalfabError(f"{printer.name} is on USB and keeps no files: send with --start to stream the job")
    result = send_program(connector, program, args.start, progress=_upload_progress)
    if isinstance(connector, SerialJob):
        _follow_stream(connector)
    data = {"printer": printer.name, "file": result.upload.name, "size": result.upload.size,
            "verified": result.upload.verified, "started": result.started, "sha256": program.sha256}
    emit(args, data, lambda: f"sent {result.upload.name} to {printer.name} ({result.upload.size} bytes"
                             f"{', verified by ' + result.upload.verified if result.upload.verified else ''})"
                             f"{'; started' if result.started else ''}")
    return EXIT_OK


def _upload_progress(done: int, total: int) -> None:
    print(f"\ruploading: {100 * done // max(total, 1)}%", end="\n" if done >= total else "", file=sys.stderr)


def _follow_stream(connector: SerialJob) -> None:
    """Show the stream's progress until it ends; Ctrl-C cancels the job on the machine, then stops."""
    try:
        while connector.status().state in ("printing", "paused"):
            done, total, _, _ = connector.progress()
            print(f"\rstreaming: {done}/{total} lines", end="", file=sys.stderr)
            time.sleep(0.5)
    except KeyboardInterrupt:
        connector.cancel()
        connector.wait(30)
        raise
    print(file=sys.stderr)
    connector.wait()


def _status(args: argparse.Namespace) -> int:
    from app.machines.registry import connector_for, get_printer

    status = connector_for(get_printer(args.name)).status()

    def text() -> str:
        parts = [f"{args.name}: {status.state}"]
        if status.file:
            parts.append(status.file)
        if status.progress_pct is not None:
            parts.append(f"{status.progress_pct:.1f}%")
        if status.time_left_s is not None:
            parts.append(f"{duration(status.time_left_s)} left")
        parts += [f"{heater} {actual:.0f}/{target:.0f} °C" for heater, (actual, target) in status.temperatures.items()]
        return ", ".join(parts)

    emit(args, status.as_dict(), text)
    return EXIT_OK

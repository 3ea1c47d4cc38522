"""The `localfab` command: one sub-command per stage of the chain, plus `make` for the whole of it.

Exit codes: 0 done; 1 the command worked but found a problem (check errors, a rebuild that differs);
2 the command could not do its job (bad input, missing file, failed build), with one line saying why.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.cli import (
    cam_commands,
    chain_commands,
    design_commands,
    machine_commands,
    profile_commands,
    workshop_commands,
)
from app.cli.output import EXIT_ERROR, EXIT_OK
from app.errors import USER_ERRORS


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_ERROR
    try:
        return args.run(args)
    except USER_ERRORS as exc:
        print(f"localfab: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("localfab: cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (`localfab ... | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(f"localfab: internal error ({type(exc).__name__}: {exc}). This is a bug in localfab: please "
              "report it with the output of the same command run with --debug", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="localfab",
        description="Customize a parametric design, check it, slice it, and keep the recipe that made it.",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of internal errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    design_commands.register(commands)
    chain_commands.register(commands)
    profile_commands.register(commands)
    machine_commands.register(commands)
    cam_commands.register(commands)
    workshop_commands.register(commands)
    return parser

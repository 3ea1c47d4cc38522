"""Start another program confined: `python -m parametric_designs.confined_exec SPEC.json -- PROGRAM ARGS...`.

Applies resource limits and Landlock (read-only system folders and the folders the spec names, read/write
its scratch folder) to this process and then becomes PROGRAM with exec, so the limits hold for it. This is
how OpenSCAD runs: doing the same in `preexec_fn` could deadlock a caller that has threads (the GUI does).
SPEC holds {"scratch": path, "readable": [paths], "cpu_seconds": n, "memory_bytes": n}.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from parametric_designs.sandbox import Limits, limit_resources, restrict_files


def main(arguments: list[str]) -> int:
    if len(arguments) < 3 or arguments[1] != "--":
        print("usage: python -m parametric_designs.confined_exec SPEC.json -- PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    spec = json.loads(Path(arguments[0]).read_text())
    program = arguments[2:]
    limit_resources(Limits(cpu_seconds=int(spec["cpu_seconds"]), memory_bytes=int(spec["memory_bytes"])),
                    address_space_in_use=False)
    restrict_files(Path(spec["scratch"]), (*(Path(p) for p in spec["readable"]), Path(program[0]).parent),
                   python=False)
    os.execv(program[0], program)
    return 127  # not reached: exec replaces this process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

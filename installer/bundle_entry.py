"""The desktop bundle's program: the localfab window, and a stand-in for `python -m <module>`.

A frozen bundle has no Python interpreter of its own, yet the build service starts its worker as
`sys.executable -P -m parametric_designs.worker` (and OpenSCAD renders through
`-m parametric_designs.confined_exec`). Here `sys.executable` is this program, so it runs those modules
when asked that way, and opens the window otherwise.
"""

import runpy
import sys

# Only the package's own worker modules may be run this way: the bundle is not a general interpreter.
RUNNABLE_MODULES = ("parametric_designs.worker", "parametric_designs.confined_exec")


def run() -> int:
    arguments = [a for a in sys.argv[1:] if a != "-P"]  # -P (no script folder on sys.path): always so here
    if len(arguments) >= 2 and arguments[0] == "-m":
        module = arguments[1]
        if module not in RUNNABLE_MODULES:
            print(f"localfab: cannot run module {module}", file=sys.stderr)
            return 2
        sys.argv = [module, *arguments[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from app.gui.main import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())

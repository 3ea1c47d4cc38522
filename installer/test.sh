#!/usr/bin/env bash
# The whole test suite: installs what the tests need, then runs pytest under a virtual X server
# (real windows, real OpenGL through Mesa). Exits with pytest's status; "no tests ran" is a failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/installer/bootstrap.sh" --test || exit 1
cd "$root"
xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest "$@"
status=$?
if ((status == 5)); then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit $status

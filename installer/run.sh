#!/usr/bin/env bash
# The main job: install what is needed, then open the desktop app. Without a display, run the headless
# chain on the built-in storage box instead and say where its G-code and recipe went.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/installer/bootstrap.sh"
cd "$root"
if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-} ]]; then
  exec .venv/bin/localfab-gui "$@"
fi
echo "No display found: running the headless chain instead (localfab make box -o out/)."
.venv/bin/localfab make box -o out/
echo "Rebuilding the recipe from its recorded inputs:"
.venv/bin/localfab recipe rebuild out/box.localfab

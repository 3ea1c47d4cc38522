#!/usr/bin/env bash
# Puts localfab in the desktop's application menu: writes ~/.local/share/applications/localfab.desktop
# pointing at this unpacked bundle. Run it from the bundle folder after unpacking (again after moving it).
set -euo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
target=${XDG_DATA_HOME:-$HOME/.local/share}/applications
mkdir -p "$target"
sed "s|@BUNDLE@|$bundle|g" "$bundle/localfab.desktop.in" > "$target/localfab.desktop"
echo "added localfab to the application menu ($target/localfab.desktop)"

#!/usr/bin/env bash
# Builds the desktop bundle for people without Python: a PyInstaller one-folder program with its .desktop
# entry and icon, packed as dist/localfab-<version>-linux-x86_64.tar.gz.
#   usage: installer/bundle.sh            (after installer/bootstrap.sh; adds the `bundle` extra: PyInstaller)
# Unpack it anywhere, run ./localfab, or ./install-desktop-entry.sh to add it to the application menu.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
.venv/bin/python -c 'import PyInstaller' 2>/dev/null || .venv/bin/python -m pip install -q -e '.[bundle]'
version=$(.venv/bin/python -c 'from app.version import app_version; print(app_version())')
work=build/bundle
rm -rf "$work/dist/localfab"
(cd installer && "$root/.venv/bin/pyinstaller" --noconfirm --log-level WARN \
   --distpath "$root/$work/dist" --workpath "$root/$work/work" bundle.spec)
bundle="$work/dist/localfab"
cp installer/bundle.desktop "$bundle/localfab.desktop.in"
cp installer/bundle_install_desktop_entry.sh "$bundle/install-desktop-entry.sh"
cp resources/icons/localfab.svg "$bundle/localfab.svg"
mkdir -p dist
archive="dist/localfab-$version-linux-x86_64.tar.gz"
tar -C "$work/dist" -czf "$archive" localfab
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1)); archive: $archive ($(du -sh "$archive" | cut -f1))"

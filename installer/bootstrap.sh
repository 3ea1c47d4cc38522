#!/usr/bin/env bash
# Makes this checkout runnable on Debian 12 with Python 3.11: the Debian libraries Qt and VTK load,
# a virtual environment in .venv, and localfab installed into it (editable).
#   usage: installer/bootstrap.sh [--test]    (--test adds the test tools and the virtual X server)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
want_tests=0
[[ ${1:-} == --test ]] && want_tests=1

# Shared libraries that PySide6's xcb platform plugin, VTK and OCCT load at run time, and libseccomp for
# the build sandbox.
debs=(libgl1 libegl1 libgl1-mesa-dri libglu1-mesa libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4
      libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
      libxcb-xkb1 libxrender1 libxi6 libxt6 libfontconfig1 libdbus-1-3 libseccomp2)
# The test suite renders real OpenSCAD customizer files, and runs the workshop server on a real PostgreSQL
# (a throw-away cluster it starts itself; the Debian service is not used).
((want_tests)) && debs+=(xvfb xauth openscad postgresql)
python=$(command -v python3.11 || command -v python3 || true)
[[ -n $python ]] || { echo "localfab needs Python 3.11: apt-get install python3" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "localfab needs Python 3.11 or newer; $python is older" >&2; exit 1; }
"$python" -c 'import ensurepip, venv' 2>/dev/null || debs+=(python3-venv)

missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "ok installed" || missing+=("$deb")
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

[[ -x .venv/bin/python ]] || "$python" -m venv .venv
# Reinstall only when the project's requirements changed since the last install.
extra=""; ((want_tests)) && extra="[test]"
stamp=".venv/.localfab-installed$extra"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "installing localfab$extra into .venv (the first time takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".$extra"
  echo "$want" > "$stamp"
fi

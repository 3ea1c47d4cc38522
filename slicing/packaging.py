"""Byte-identical zip packages, for 3MF parts and .localfab recipes alike."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

# The DOS epoch for every entry: any real time would make equal packages differ.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def deterministic_zip(entries: Mapping[str, bytes], *, sort: bool = True) -> bytes:
    """Zip `entries` (name -> bytes) deflated, with fixed times and modes; sorted by name unless `sort`
    is False (3MF wants its content types first)."""
    names = sorted(entries) if sort else list(entries)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            package.writestr(info, entries[name])
    return buffer.getvalue()

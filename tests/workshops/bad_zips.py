"""Uploads a workshop server must refuse: built here, byte by byte where a normal zip writer would not."""

from __future__ import annotations

import io
import struct
import zipfile

from app.jobs import CHECK_FILE, PART_FILE, PROGRAM_FILE, RECIPE_JSON

ZEROS = bytes(1 << 20)


def traversal_zip(recipe: bytes) -> bytes:
    """A real recipe with one more entry that would land outside the folder it is unpacked in."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(recipe)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("../../etc/cron.d/evil", b"* * * * * root rm -rf /\n")
    return out.getvalue()


def declared_bomb() -> bytes:
    """A recipe-shaped zip whose entries claim 4 GiB each (12 GiB in all) when unpacked, from 1 MiB of zeros
    each: what a zip bomb's central directory looks like, without spending the time to deflate 12 GiB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(RECIPE_JSON, b"{}")
        for name in (PART_FILE, PROGRAM_FILE, CHECK_FILE):
            archive.writestr(name, ZEROS)
    data = bytearray(out.getvalue())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_length]).decode() != RECIPE_JSON:
            struct.pack_into("<I", data, at + 24, 0xFFFF_FFF0)
        at = data.find(b"PK\x01\x02", at + 46)
    return bytes(data)


def honest_bomb() -> bytes:
    """Entries whose sizes are true but compress 1000:1, far beyond any real recipe."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(RECIPE_JSON, b"{}")
        archive.writestr(PROGRAM_FILE, ZEROS * 8)
    return out.getvalue()

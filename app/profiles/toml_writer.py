"""Profiles written as TOML files in the format the loader reads: a [profile] table and a [settings] table.

The text is built here (the standard library reads TOML but does not write it) and read back before it is
written, so a file this module writes always loads to the same profile.
"""

from __future__ import annotations

import math
import os
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.errors import ProfileError
from app.profiles.loader import Profile, fdm_schema

PROFILE_KEYS = ("id", "name", "kind")


def profile_to_toml(profile: Profile, *, comments: Iterable[str] = ()) -> str:
    """The profile as TOML text: comments first (one `#` line each), then [profile] and [settings]; settings
    in the order of the settings schema. Raises ProfileError for a setting the schema does not give to this
    kind of profile."""
    schema = fdm_schema()
    for name in profile.settings:
        spec = schema.get(name)
        if spec is None or spec.section != profile.kind:
            raise ProfileError(f"{name!r} is not a {profile.kind} setting and cannot be written to a {profile.kind} "
                               "profile")
    lines = [f"# {line}".rstrip() for comment in comments for line in comment.splitlines()]
    lines += ["", "[profile]"] if lines else ["[profile]"]
    header = {"id": profile.id, "name": profile.name, "kind": profile.kind, **profile.meta}
    lines += [f"{_key(k)} = {_value(v)}" for k, v in header.items()]
    lines += ["", "[settings]"]
    lines += [f"{name} = {_value(profile.settings[name])}" for name in schema if name in profile.settings]
    text = "\n".join(lines) + "\n"
    _check_round_trip(text, profile)
    return text


def write_profile(profile: Profile, folder: Path, *, comments: Iterable[str] = (), overwrite: bool = False) -> Path:
    """Write the profile to folder/<id>.toml and return the path; an existing file is kept unless overwrite."""
    text = profile_to_toml(profile, comments=comments)
    folder = Path(folder)
    path = folder / f"{profile.id}.toml"
    if path.exists() and not overwrite:
        raise ProfileError(f"{path} exists: choose another id or allow overwriting")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False) as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    except OSError as exc:
        raise ProfileError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _key(name: str) -> str:
    if name and all(c.isalnum() or c in "_-" for c in name) and name.isascii():
        return name
    return _basic_string(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ProfileError(f"{value} cannot be written to a profile")
        return repr(value)
    if isinstance(value, str):
        return _multiline_string(value) if "\n" in value else _basic_string(value)
    raise ProfileError(f"a profile cannot hold {type(value).__name__} values ({value!r})")


def _escape(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if char == "\t":
        return char
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return f"\\u{ord(char):04x}"
    return char


def _basic_string(text: str) -> str:
    return '"' + "".join('\\"' if c == '"' else _escape(c) for c in text) + '"'


def _multiline_string(text: str) -> str:
    """A TOML multi-line basic string: G-code stays readable, one line per line."""
    body = "".join(c if c == "\n" else _escape(c) for c in text)
    body = body.replace('"""', '""\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""\n' + body + '"""'


def _check_round_trip(text: str, profile: Profile) -> None:
    data = tomllib.loads(text)
    meta = {k: v for k, v in data["profile"].items() if k not in PROFILE_KEYS}
    if (data["profile"]["id"], data["profile"]["name"], data["profile"]["kind"]) != (
        profile.id, profile.name, profile.kind
    ) or data["settings"] != profile.settings or meta != profile.meta:
        raise ProfileError(f"the profile {profile.id} does not survive being written as TOML")

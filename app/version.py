"""The application version, read from the installed distribution metadata."""

from importlib.metadata import PackageNotFoundError, version


def app_version() -> str:
    try:
        return version("localfab")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"

"""Shared fixtures: the third-party corpus, an isolated build cache, the resolved default FDM setup."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session", autouse=True)
def isolated_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Builds, presets and installed templates in tests go to folders of their own, never to the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("LOCALFAB_CACHE_DIR", str(tmp_path_factory.mktemp("build-cache")))
    patch.setenv("LOCALFAB_DATA_DIR", str(tmp_path_factory.mktemp("user-data")))
    patch.setenv("LOCALFAB_CONFIG_DIR", str(tmp_path_factory.mktemp("user-config")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared test corpus is not at {CORPUS}")
    return CORPUS


def corpus_file(relative: str) -> Path:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"corpus file {relative} is missing from {CORPUS}")
    return path

"""Recipe files stored by their SHA-256: `objects/ab/abcdef...`, written whole to a staging folder first and
then renamed into place, so a stored file is always complete. The database row that points at a file is
committed only after the file is in place; a file without a row (the server died in between) is invisible
and is swept away at the next start."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.staging = self.root / "staging"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def staging_folder(self) -> Path:
        """A fresh folder for one upload; the caller removes it with `discard`."""
        return Path(tempfile.mkdtemp(dir=self.staging, prefix="upload-"))

    def discard(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def path_of(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def put(self, staged: Path, sha256: str) -> Path:
        """Move a verified staged file to its content address (durably); the same content twice is one file."""
        target = self.path_of(sha256)
        target.parent.mkdir(exist_ok=True)
        with open(staged, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return target

    def sweep(self, known: set[str]) -> int:
        """Remove what an interrupted upload left: every staging folder, and stored files no row points at.
        Returns how many stored files were removed. Run at start, before requests are served."""
        for leftover in self.staging.iterdir():
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
        removed = 0
        for path in self.objects.glob("*/*"):
            if path.name not in known:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def stored_names(self) -> set[str]:
        return {p.name for p in self.objects.glob("*/*")}

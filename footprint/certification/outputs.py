"""Files written next to a study at issue: all or nothing, never a truncated file.

Why staged: ``certificate issue`` used to commit the certificate to the registry and then write
its files. A full disk left a truncated ``.certificate.json`` and a registered certificate that
could not be issued again (the study already held an active certificate). Now every file is
first written to a temporary file in the target folder and ``fsync``'d; all are renamed into
place (``os.replace``, atomic on POSIX) and the folder is ``fsync``'d; only then does the
registry commit (:meth:`..registry.store.Registry.issue` calls the hook before its commit). If
writing fails, the registry transaction rolls back; if the commit fails, the files are removed.
A reader sees either the old file or the whole new one, never half of it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import OutputFileError


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StagedFiles:
    """Write files to fsync'd temporaries, then rename them all into place, or remove them all."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []  # (temporary, final)
        self._published: list[Path] = []

    @property
    def paths(self) -> list[Path]:
        return [final for _, final in self._staged]

    def stage(self, path: str | Path, data: bytes) -> None:
        path = Path(path)
        try:
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as error:
            raise OutputFileError(f"cannot write {path}: {error.strerror}") from None
        self._staged.append((Path(temporary), path))
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError as error:
            raise OutputFileError(f"cannot write {path}: {error.strerror or error}") from None
        finally:
            os.close(fd)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; these files are meant to be shared

    def publish(self) -> None:
        """Rename every staged file into place, then fsync the folders."""
        try:
            for temporary, final in self._staged:
                os.replace(temporary, final)
                self._published.append(final)
            for folder in {final.parent for _, final in self._staged}:
                _fsync_folder(folder)
        except OSError as error:
            raise OutputFileError(f"cannot put {', '.join(str(p) for p in self.paths)} in place: {error.strerror or error}") from None

    def discard(self) -> None:
        """Remove every temporary and every file already renamed into place."""
        for temporary, _ in self._staged:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        for final in self._published:
            with contextlib.suppress(FileNotFoundError):
                final.unlink()
        self._staged.clear()
        self._published.clear()

"""The one writer for files a user asked for (``-o report.pdf``, ``--out``, ``--label-dir``...).

Why one writer: a path given on the command line may be a folder, a read-only file, a folder
that cannot be created or a full disk. Each of those is the user's to fix, so it is a
:class:`~footprint.errors.FootprintError` that names the path and the reason (exit 2, one line),
never an ``OSError`` traceback.
"""

from __future__ import annotations

from pathlib import Path

from .errors import FootprintError


class OutputError(FootprintError):
    """A file or folder the user named cannot be written."""


def _refused(path: Path, error: OSError, what: str) -> OutputError:
    reason = error.strerror or type(error).__name__
    if isinstance(error, IsADirectoryError):
        reason = "it is a folder; give a file name"
    elif isinstance(error, NotADirectoryError):
        reason = "a part of the path is a file, not a folder"
    return OutputError(f"{path}: cannot {what} ({reason})")


def make_folder(path: str | Path, mode: int = 0o777) -> Path:
    """Create a folder (and its parents) to write into; an existing folder is fine."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=mode)
    except FileExistsError as error:  # a file of that name
        raise OutputError(f"{path}: cannot write into it (it is a file, not a folder)") from None
    except OSError as error:
        raise _refused(path, error, "create the folder") from None
    return path


def write_file(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path``, whose folder must exist."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the folder {path.parent} does not exist")
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as error:
        raise _refused(path, error, "write the file") from None
    return path

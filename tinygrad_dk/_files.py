"""Writing files atomically: a failed write leaves the previous file as it was, and no debris.

Every file the package writes (models, pictures, the explorer page) goes through
`write_atomic`, so they all behave alike: a missing folder on the way is created.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from pathlib import Path

_counter = itertools.count()


def nearest_existing(folder: Path) -> Path:
    """``folder`` or its nearest ancestor that exists (a broken link counts: it is in the way too)."""
    while not os.path.lexists(folder) and folder != folder.parent:
        folder = folder.parent
    return folder


def _make_folders(folder: Path, path: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first.

    A file standing where a folder must be is named in the error, rather than left to the
    operating system's "File exists".
    """
    existing = nearest_existing(folder)
    if not existing.is_dir():
        raise NotADirectoryError(f"cannot write {path}: {existing} is not a folder; choose another path")
    missing: list[Path] = []
    while folder != existing:
        missing.insert(0, folder)
        folder = folder.parent
    for new in missing:
        new.mkdir()
    return missing


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    A rename within one folder is atomic, so readers see the old file or the new one, never
    half of either. The temporary name is unique per process, thread and call. Missing
    folders on the way to ``path`` are created first, and removed again if the write fails.
    """
    created = _make_folders(path.parent, path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{next(_counter)}.tmp")
    done = False
    try:
        with open(temporary, "xb") as file:  # created with the user's umask (mkstemp would make it 0600)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            for folder in reversed(created):  # innermost first; a folder someone else filled stays
                with contextlib.suppress(OSError):
                    folder.rmdir()
    return path

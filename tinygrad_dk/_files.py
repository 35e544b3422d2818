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


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    A rename within one folder is atomic, so readers see the old file or the new one, never
    half of either. The temporary name is unique per process, thread and call. Missing
    folders on the way to ``path`` are created first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
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
    return path

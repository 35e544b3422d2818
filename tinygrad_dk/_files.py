"""Writing files atomically: a failed write leaves the previous file as it was, and no debris."""

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
    half of either. The temporary name is unique per process, thread and call.
    """
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

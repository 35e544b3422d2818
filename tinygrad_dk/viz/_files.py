"""Writing a picture to disk atomically: a failed render never leaves half a file behind."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

_counter = itertools.count()


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file next to ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{next(_counter)}.tmp")
    try:
        with open(temporary, "xb") as file:  # created with the user's umask, unlike mkstemp
            file.write(data)
        os.replace(temporary, path)  # atomic on POSIX and Windows
    finally:
        if temporary.exists():  # only when writing or replacing failed
            temporary.unlink()
    return path


def suffix_format(path: Path, formats: dict[str, str], what: str) -> str:
    """The output format named by ``path``'s suffix, or a ValueError listing the supported ones."""
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(formats)
        found = f"the suffix {path.suffix!r} is not supported" if path.suffix else "it has no suffix"
        raise ValueError(f"{what} cannot write {str(path)!r}: {found}; name the file with one of {supported}")
    return fmt

"""Writing output files atomically: a failed write leaves the previous files as they were, and no debris.

One mechanism, `staged`, for everything the package writes (models, pictures, the
explorer page, the demo's folder): the new files are written into a hidden folder inside
their destination folder and renamed into place only once they are all complete.
`write_atomic` is `staged` for one file. Missing folders on the way are created first, and
removed again if the write fails; a file (or a broken link) standing where a folder must be
is named in the error before anything is written. `suffix_format` reads the output format
from a file name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def nearest_existing(folder: Path) -> Path:
    """``folder`` or its nearest ancestor that exists (a broken link counts: it is in the way too)."""
    while not os.path.lexists(folder) and folder != folder.parent:
        folder = folder.parent
    return folder


def _make_folders(folder: Path, target: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first.

    A file standing where a folder must be is named in the error, rather than left to the
    operating system's "File exists".
    """
    existing = nearest_existing(folder)
    if not existing.is_dir():
        raise NotADirectoryError(f"cannot write {target}: {existing} is not a folder; choose another path")
    missing: list[Path] = []
    while folder != existing:
        missing.insert(0, folder)
        folder = folder.parent
    for new in missing:
        new.mkdir()
    return missing


@contextlib.contextmanager
def staged(folder: str | os.PathLike[str], *, target: Path | None = None) -> Iterator[Path]:
    """A hidden temporary folder inside ``folder``; what the block writes there moves into ``folder`` when it succeeds.

    Each file arrives by one rename within one folder, which is atomic: readers see the old
    file or the new one, never half of either. If the block fails, nothing moves, the
    temporary folder is removed and so are the folders made on the way to ``folder``.
    ``target`` is what the error names if a file stands in the way (default ``folder``).
    """
    destination = Path(folder)
    created = _make_folders(destination, destination if target is None else target)
    done = False
    try:
        stage = Path(tempfile.mkdtemp(prefix=".tinygrad_dk-", dir=destination))  # unique per call
        try:
            yield stage
            for item in sorted(stage.iterdir()):
                os.replace(item, destination / item.name)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        done = True
    finally:
        if not done:
            for new in reversed(created):  # innermost first; a folder someone else filled stays
                with contextlib.suppress(OSError):
                    new.rmdir()


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through `staged`: flushed to disk, then renamed over ``path``.

    The file is created with the user's umask (``mkstemp`` would make it 0600).
    """
    with staged(path.parent, target=path) as stage, open(stage / path.name, "xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    return path


def suffix_format(path: Path, formats: dict[str, str], what: str) -> str:
    """The output format named by ``path``'s suffix, or a ValueError listing the supported ones."""
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(formats)
        found = f"the suffix {path.suffix!r} is not supported" if path.suffix else "it has no suffix"
        raise ValueError(f"{what} cannot write {str(path)!r}: {found}; name the file with one of {supported}")
    return fmt

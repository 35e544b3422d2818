"""Writing output files atomically: a failed write leaves the previous files as they were, and no debris.

One mechanism, `staged`, for everything the package writes (models, pictures, the
explorer page, the demo's folder): the new files are written into a hidden folder inside
their destination folder and renamed into place only once they are all complete.
`write_atomic` is `staged` for one file. Missing folders on the way are created first, and
removed again if the write fails; a file (or a broken link) standing where a folder must be
is named in the error before anything is written. `suffix_format` reads the output format
from a file name.

What a write replaces, and what it leaves:

- Only regular files are replaced. A folder, a symbolic link (even one to a regular file:
  a write does not follow it), a named pipe, a device or a socket standing at a file's path
  is refused with an error naming it, before anything is written: `check_replaceable`.
- A writer killed mid-write (``kill -9``, a power cut) cannot clean up after itself: its
  hidden folder stays. It is named ``.tinygrad_dk-<machine>-<pid>-<random>``, and the next
  write to the same folder removes it once no process of that id runs on this machine
  (`remove_stale`). A live writer's folder, and anything not named so, is never touched.
- An error names the user's file, never the hidden folder's copy of it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

_PREFIX = ".tinygrad_dk-"  # the hidden staging folders: .tinygrad_dk-<machine>-<pid>-<random>
_STAGE_NAME = re.compile(rf"{re.escape(_PREFIX)}(?P<machine>[0-9a-f]{{8}})-(?P<pid>\d+)-[a-z0-9_]+")


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


# --- what a write may replace ---

_KINDS = [  # (test of st_mode, what stands there), for the messages
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
]


def kind_of(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, in words: "a folder", "a named pipe (FIFO)", ..."""
    return next((what for is_kind, what in _KINDS if is_kind(mode)), "not a regular file")


def check_replaceable(where: str | os.PathLike[str]) -> Path:
    """``where`` as a Path, if a write may put a file there: nothing is there yet, or a regular file.

    Anything else is refused, naming what stands there: IsADirectoryError for a folder,
    FileExistsError for a symbolic link (not followed: write to the file it points to
    instead), a named pipe, a device or a socket. A path that names no file (``""``,
    ``"."``) is a ValueError.
    """
    if not os.fspath(where):
        raise ValueError("cannot write to '': the path is empty; give a file name, such as model.json")
    path = Path(where)
    if not path.name:
        raise IsADirectoryError(f"cannot write to {str(path)!r}: it names a folder, not a file; give a file name")
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet (a file in the way of a folder: _make_folders)
        return path
    if stat.S_ISREG(mode):
        return path
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"cannot write {path}: it is a folder, not a file; choose a file name")
    pointing = f" to {os.readlink(path)}" if stat.S_ISLNK(mode) else ""
    raise FileExistsError(
        f"cannot write {path}: it is {kind_of(mode)}{pointing}, and only regular files are replaced; "
        "remove it or choose another path"
    )


# --- staging folders of writers that were killed ---


def _machine() -> str:
    """This machine, as 8 hex digits: a process id means something only on the machine that ran it."""
    return f"{zlib.crc32(socket.gethostname().encode()):08x}"


def _runs(pid: int) -> bool:
    """Whether a process with id ``pid`` runs here (when unsure, say yes: a folder kept is better than one lost)."""
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the check that the process exists
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: it exists, as another user's; or an id no process has
        return True
    return True


def remove_stale(folder: Path) -> list[Path]:
    """Remove the staging folders in ``folder`` that writers on this machine left when they were killed.

    Only folders named as `staged` names them, made on this machine by a process that no
    longer runs; returns those removed.
    """
    machine, found, removed = _machine(), [], []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        found = [(entry, _STAGE_NAME.fullmatch(entry.name)) for entry in entries]  # listed first, then removed
    for entry, name in found:
        if name is None or name["machine"] != machine or not entry.is_dir(follow_symlinks=False):
            continue
        if not _runs(int(name["pid"])):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _naming_the_target(error: OSError, stage: Path, destination: Path) -> OSError:
    """``error`` with the file's own path where it named the file's copy in the hidden ``stage``."""
    for name in (error.filename, error.filename2):
        if name is not None and Path(os.fsdecode(name)).is_relative_to(stage):
            target = destination / Path(os.fsdecode(name)).relative_to(stage)
            return type(error)(error.errno, error.strerror, str(target))
    return error


@contextlib.contextmanager
def staged(folder: str | os.PathLike[str], *, target: Path | None = None) -> Iterator[Path]:
    """A hidden temporary folder inside ``folder``; what the block writes there moves into ``folder`` when it succeeds.

    Each file arrives by one rename within one folder, which is atomic: readers see the old
    file or the new one, never half of either. Every file's place is checked
    (`check_replaceable`) before the first one moves. If the block fails, nothing moves,
    the temporary folder is removed and so are the folders made on the way to ``folder``.
    ``target`` is what the error names if a file stands in the way (default ``folder``).
    """
    destination = Path(folder)
    created = _make_folders(destination, destination if target is None else target)
    done = False
    try:
        remove_stale(destination)
        prefix = f"{_PREFIX}{_machine()}-{os.getpid()}-"
        stage = Path(tempfile.mkdtemp(prefix=prefix, dir=destination))  # unique per call
        try:
            try:
                yield stage
                moves = [(item, check_replaceable(destination / item.name)) for item in sorted(stage.iterdir())]
                for item, place in moves:
                    os.replace(item, place)
            except OSError as error:
                named = _naming_the_target(error, stage, destination)
                if named is error:
                    raise
                raise named from None
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

    ``path`` is checked first (`check_replaceable`). The file is created with the user's
    umask (``mkstemp`` would make it 0600).
    """
    check_replaceable(path)
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

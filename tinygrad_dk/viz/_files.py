"""File helpers for the pictures: the output format from a path's suffix."""

from __future__ import annotations

from pathlib import Path


def suffix_format(path: Path, formats: dict[str, str], what: str) -> str:
    """The output format named by ``path``'s suffix, or a ValueError listing the supported ones."""
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(formats)
        found = f"the suffix {path.suffix!r} is not supported" if path.suffix else "it has no suffix"
        raise ValueError(f"{what} cannot write {str(path)!r}: {found}; name the file with one of {supported}")
    return fmt

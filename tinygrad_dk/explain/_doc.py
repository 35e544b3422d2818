"""A tiny document model for `tinygrad_dk.explain`, and its two renderers: plain text and Markdown.

A document is a list of blocks: headings, paragraphs, lines of formulas and tables, all of
strings. The numbers are formatted before they get here, so both renderers show the same ones.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    """A heading; level 1 is the title."""

    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph of prose, wrapped in text and left whole in Markdown."""

    text: str


@dataclass(frozen=True)
class Lines:
    """Formulas, one a line: indented in text, a code block in Markdown."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of strings; ``code`` names the columns shown as code in Markdown."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    code: frozenset[int] = frozenset()


Block = Heading | Para | Lines | Table


def to_text(blocks: Sequence[Block]) -> str:
    """Plain text: headings underlined, paragraphs wrapped at 100 columns, formulas and tables indented."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):  # levels 1 to 3 underlined with = - ~, level 4 plain
            underline = "=-~"[block.level - 1] * len(block.text) if block.level <= 3 else ""
            parts.append(f"{block.text}\n{underline}" if underline else block.text)
        elif isinstance(block, Para):
            parts.append(textwrap.fill(block.text, width=100))
        elif isinstance(block, Lines):
            parts.append("\n".join(f"    {line}" for line in block.lines))
        else:
            widths = [max(len(row[k]) for row in (block.header, *block.rows)) for k in range(len(block.header))]
            lines = [
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                for row in (block.header, tuple("-" * width for width in widths), *block.rows)
            ]
            parts.append("\n".join(f"    {line}" for line in lines))
    return "\n\n".join(parts) + "\n"


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown: ``#`` headings, formulas in ```text blocks, pipe tables."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Para):
            parts.append(block.text)
        elif isinstance(block, Lines):
            parts.append("```text\n" + "\n".join(block.lines) + "\n```")
        else:
            cells = [[f"`{text}`" if k in block.code else text for k, text in enumerate(row)] for row in block.rows]
            rows = [
                "| " + " | ".join(block.header) + " |",
                "|" + "|".join(" --- " for _ in block.header) + "|",
                *("| " + " | ".join(text.replace("|", "\\|") for text in row) + " |" for row in cells),
            ]
            parts.append("\n".join(rows))
    return "\n\n".join(parts) + "\n"

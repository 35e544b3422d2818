"""The documentation is tested like code: its examples run, its links resolve, its API list is complete.

- Every ```python block of docs/*.md, docs/da/*.md and README.md runs. The blocks of one file
  run in order in one namespace (a later block may use an earlier block's names), each file
  in a fresh namespace, inside a temporary working directory (files the examples write land
  there). A ```text block right after a ```python block (nothing but blank lines between) is
  that block's output: what the block prints must be exactly that text. A block written as
  an interactive session (``>>>`` prompts) runs as a doctest: each output shown must match.
- A ```text block right after a ```bash block shows a `tinygrad-dk` command's output: the
  command runs through `tinygrad_dk.cli.main`, and every line of the text (but "...") must
  appear in its output, in that order.
- Every relative link and image in those files points to an existing file, and a link to
  ``file.md#anchor`` to one of its headings.
- docs/api.md names every public name of every public module, in that module's section, and
  every entry it lists exists.
- docs/tutorial.md and its Danish translation docs/da/vejledning.md have the same sections,
  the same code (comments may be translated) and the same pictures.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import inspect
import io
import pkgutil
import re
import shlex
import tokenize
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from support import need_module, need_svg_renderer

import tinygrad_dk
from tinygrad_dk import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial.md"
VEJLEDNING = DOCS / "da" / "vejledning.md"
API = DOCS / "api.md"


def markdown_files() -> list[Path]:
    """The documents whose examples and links are tested."""
    return [*sorted(DOCS.glob("*.md")), *sorted((DOCS / "da").glob("*.md")), ROOT / "README.md"]


def name_of(path: Path) -> str:
    """A path relative to the repository, for test ids and messages."""
    return path.relative_to(ROOT).as_posix()


# --- reading markdown ----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language, its text, and where it is."""

    lang: str
    code: str
    line: int  # the 1-based line of the block's first line of code
    after: Block | None  # the block just before it, if only blank lines lie between the two


FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")


def code_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a markdown text, in order."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i, previous_end = 0, -2  # previous_end: the line index of the last closing fence
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, info = opening["fence"], opening["info"]
        start = i + 1
        end = start
        while end < len(lines) and not re.match(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", lines[end]):
            end += 1
        adjacent = blocks and all(not line.strip() for line in lines[previous_end + 1 : i])
        blocks.append(
            Block(
                info.split()[0].lower() if info else "",
                "\n".join(lines[start:end]) + "\n",
                start + 1,
                blocks[-1] if adjacent else None,
            )
        )
        previous_end = end
        i = end + 1
    return blocks


def outside_fences(text: str) -> str:
    """The text without its fenced code blocks."""
    kept, fence = [], None
    for line in text.splitlines():
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening["fence"]
        elif fence is not None and re.match(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", line):
            fence = None
        elif fence is None:
            kept.append(line)
    return "\n".join(kept)


def prose(text: str) -> str:
    """The text without code blocks and inline code (links in code are examples, not links)."""
    return re.sub(r"(`+).+?\1", "", outside_fences(text))


def headings(text: str) -> list[tuple[int, str]]:
    """``(level, text)`` of every ATX heading outside code blocks."""
    pattern = r"^(#{1,6})\s+(.+?)\s*#*\s*$"
    return [(len(m[1]), m[2].strip()) for m in re.finditer(pattern, outside_fences(text), re.M)]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading anchor of a document, numbered like GitHub's when a heading repeats."""
    seen: dict[str, int] = {}
    found = set()
    for _, heading in headings(text):
        base = slug(heading)
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return found


LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(?P<target>\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
IMAGE_TAG = re.compile(r"<img\s[^>]*\bsrc=\"(?P<target>[^\"]+)\"", re.I)


def links(text: str) -> list[str]:
    """Every link and image target in the prose of a markdown text."""
    body = prose(text)
    return [m["target"] for pattern in (LINK, REFERENCE, IMAGE_TAG) for m in pattern.finditer(body)]


def images(text: str) -> list[str]:
    """The image targets, in order."""
    body = prose(text)
    return [m["target"] for m in re.finditer(r"!\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)", body)] + [
        m["target"] for m in IMAGE_TAG.finditer(body)
    ]


# --- the checks of the markdown reader itself ------------------------------------------------


def test_code_blocks_reads_languages_lines_and_adjacency() -> None:
    text = "# T\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n\nSay.\n\n```bash\nls\n```\n"
    python, output, bash = code_blocks(text)
    assert (python.lang, python.code, python.line, python.after) == ("python", "print(1)\n", 4, None)
    assert (output.lang, output.code, output.after) == ("text", "1\n", python)
    assert (bash.lang, bash.after) == ("bash", None)  # prose between: not adjacent


def test_links_skip_code_and_slugs_follow_github() -> None:
    text = "See [a](a.md#two-words) and ![p](images/p.png).\n\n```python\nx = '[no](no.md)'\n```\n`[no](no2.md)`\n"
    assert links(text) == ["a.md#two-words", "images/p.png"]
    assert slug("Two words") == "two-words"
    assert slug("6. Det gennemregnede eksempel: `explain`") == "6-det-gennemregnede-eksempel-explain"
    assert anchors("# A\n## A\n") == {"a", "a-1"}


# --- every python block runs, and shows its real output ---------------------------------------


def python_documents() -> list[Path]:
    return [p for p in markdown_files() if any(b.lang == "python" for b in code_blocks(p.read_text("utf-8")))]


@pytest.mark.parametrize("path", python_documents(), ids=name_of)
def test_python_blocks_run_in_order(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text("utf-8")
    if "render(" in text:
        need_svg_renderer()
    if re.search(r"^import torch$", text, re.M):  # docs/pytorch.md and its Danish twin
        need_module("torch")
    monkeypatch.chdir(tmp_path)  # files the examples write land here
    namespace: dict[str, object] = {"__name__": "__docs__"}
    blocks = code_blocks(text)
    for block in blocks:
        if block.lang == "python" and block.code.lstrip().startswith(">>>"):
            run_doctest(block, path, namespace)
        elif block.lang == "python":
            # padded to the block's line, so a traceback names the markdown file and the line in it
            code = compile("\n" * (block.line - 1) + block.code, str(path), "exec")
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(code, namespace)
            for shown in (b for b in blocks if b.after is block and b.lang == "text"):
                assert printed.getvalue().rstrip() == shown.code.rstrip(), (
                    f"{name_of(path)}:{shown.line}: the text block shows other output than the python block above "
                    f"prints:\n{printed.getvalue()}"
                )


def run_doctest(block: Block, path: Path, namespace: dict[str, object]) -> None:
    """Run a block written as an interactive session (``>>>`` prompts, expected output below each)."""
    test = doctest.DocTestParser().get_doctest(
        block.code, namespace, f"{name_of(path)}:{block.line}", str(path), block.line - 1
    )
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=report.write, clear_globs=False)
    namespace.update(test.globs)  # later blocks see the names this one defined
    assert runner.failures == 0, report.getvalue()


def test_doctest_blocks_share_the_namespace_and_check_their_output() -> None:
    namespace: dict[str, object] = {"x": 2}
    good = code_blocks("```python\n>>> y = x * 3\n>>> y\n6\n```\n")[0]
    run_doctest(good, TUTORIAL, namespace)
    assert namespace["y"] == 6
    bad = code_blocks("```python\n>>> y + 1\n8\n```\n")[0]
    with pytest.raises(AssertionError, match=r"Expected:\s+8\s+Got:\s+7"):
        run_doctest(bad, TUTORIAL, namespace)


def shown_commands() -> list[tuple[Path, Block, Block]]:
    return [
        (path, block.after, block)
        for path in markdown_files()
        for block in code_blocks(path.read_text("utf-8"))
        if block.lang == "text" and block.after is not None and block.after.lang == "bash"
    ]


@pytest.mark.parametrize(
    ("path", "command", "shown"), shown_commands(), ids=[f"{name_of(p)}:{c.line}" for p, c, _ in shown_commands()]
)
def test_shown_command_output_is_real(
    path: Path, command: Block, shown: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = shlex.split(command.code)
    assert words[:1] == ["tinygrad-dk"] and command.code.strip().count("\n") == 0, (
        f"{name_of(path)}:{command.line}: output is shown only for one `tinygrad-dk ...` command"
    )
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert cli.main(words[1:]) == 0
    lines = iter(line.strip() for line in printed.getvalue().splitlines())
    for expected in (line.strip() for line in shown.code.splitlines()):
        if expected and expected != "...":
            assert any(line == expected for line in lines), (
                f"{name_of(path)}:{shown.line}: {expected!r} is not in the output of `{command.code.strip()}` "
                "(or not in this order)"
            )


# --- links and pictures ------------------------------------------------------------------------


@pytest.mark.parametrize("path", markdown_files(), ids=name_of)
def test_relative_links_and_images_exist(path: Path) -> None:
    text = path.read_text("utf-8")
    broken = []
    for target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:: not checked offline
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target} (no file {linked})")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text("utf-8")):
            broken.append(f"{target} (no heading with anchor #{anchor} in {name_of(linked)})")
    assert not broken, f"{name_of(path)} has broken links:\n" + "\n".join(broken)


# --- api.md lists the whole public API -----------------------------------------------------------


def public_modules() -> list[ModuleType]:
    """tinygrad_dk and every module below it whose name does not start with an underscore."""
    names = ["tinygrad_dk", *(m.name for m in pkgutil.walk_packages(tinygrad_dk.__path__, "tinygrad_dk."))]
    return [
        importlib.import_module(name) for name in names if not any(part.startswith("_") for part in name.split("."))
    ]


def public_names(module: ModuleType) -> list[str]:
    """``__all__``, or else the functions and classes the module defines whose names do not start with _."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]


def api_sections() -> dict[str, str]:
    """The text of api.md under each heading that names a module: ``## `tinygrad_dk.nn` ...``."""
    sections: dict[str, str] = {}
    current = None
    for line in API.read_text("utf-8").splitlines():
        heading = re.match(r"^#{2,4}\s+`(tinygrad_dk(?:\.\w+)*)`", line)
        if heading:
            current = heading[1]
            sections[current] = ""
        elif re.match(r"^#{1,4}\s", line):
            current = None
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def mentions(section: str, name: str) -> bool:
    """Whether a code span in ``section`` starts with ``name``: `fit(model, X, y, ...)`, `OPS`."""
    return re.search(rf"`{re.escape(name)}(?![\w])", section) is not None


@pytest.mark.parametrize("module", public_modules(), ids=lambda m: m.__name__)
def test_api_md_names_every_public_name(module: ModuleType) -> None:
    sections = api_sections()
    # a name counts in its module's section, or in the section of a package that re-exports it
    # (tinygrad_dk.viz for draw_dot, say; a module whose names are all re-exported needs no section)
    places = [name for name in sections if name == module.__name__ or module.__name__.startswith(name + ".")]
    missing = [
        name
        for name in public_names(module)
        if not any(mentions(sections[place], name) for place in places if hasattr(importlib.import_module(place), name))
    ]  # lazy re-exports count too
    assert not missing, (
        f"docs/api.md does not list {missing}: add them to the section "
        f"`## \\`{module.__name__}\\``, with signature and one line each"
    )


def test_api_md_entries_exist() -> None:
    stale = []
    for module_name, section in api_sections().items():
        module = importlib.import_module(module_name)
        for entry in re.finditer(r"^- `(?P<path>[A-Za-z_][\w.]*)", section, re.M):
            obj: object = module
            for part in entry["path"].split("."):
                if not hasattr(obj, part):
                    stale.append(f"{module_name}: {entry['path']}")
                    break
                obj = getattr(obj, part)
    assert not stale, "docs/api.md lists names that do not exist:\n" + "\n".join(stale)


def test_public_names_finds_functions_classes_and_all() -> None:
    from tinygrad_dk import engine, nn

    assert {"Value", "Op", "topological_order"} <= set(public_names(engine))  # no __all__
    assert "Callable" not in public_names(engine)  # imported, not defined there
    assert public_names(nn) == nn.__all__


# --- the Danish translation follows the tutorial -------------------------------------------------


def without_comments(code: str) -> str:
    """Python code with its comments removed and trailing spaces stripped (comments may be translated)."""
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    comments = {(tok.start[0], tok.start[1]) for tok in tokens if tok.type == tokenize.COMMENT}
    lines = code.splitlines()
    for row, col in comments:
        lines[row - 1] = lines[row - 1][:col]
    return "\n".join(line.rstrip() for line in lines).strip()


def test_without_comments_keeps_strings_with_hashes() -> None:
    assert without_comments("x = '#1'  # the first\n# alone\ny = 2\n") == "x = '#1'\n\ny = 2"


def test_vejledning_has_the_tutorials_sections() -> None:
    english, danish = (headings(p.read_text("utf-8")) for p in (TUTORIAL, VEJLEDNING))
    assert [level for level, _ in english if level == 2] == [level for level, _ in danish if level == 2]
    assert len([h for h in english if h[0] == 3]) == len([h for h in danish if h[0] == 3])


def test_vejledning_has_the_tutorials_code() -> None:
    english, danish = (code_blocks(p.read_text("utf-8")) for p in (TUTORIAL, VEJLEDNING))
    assert [b.lang for b in english] == [b.lang for b in danish]
    for en, da in zip(english, danish, strict=True):
        where = f"docs/tutorial.md:{en.line} and docs/da/vejledning.md:{da.line}"
        if en.lang == "python":
            assert without_comments(en.code) == without_comments(da.code), f"{where} differ in code"
        elif en.lang != "text" or en.after is not None:  # commands and outputs; a formula may be translated
            assert en.code == da.code, f"{where} differ"
            assert (en.after is None) == (da.after is None), f"{where}: one is an output, the other not"


def test_vejledning_has_the_tutorials_pictures() -> None:
    english = [(TUTORIAL.parent / target).resolve() for target in images(TUTORIAL.read_text("utf-8"))]
    danish = [(VEJLEDNING.parent / target).resolve() for target in images(VEJLEDNING.read_text("utf-8"))]
    assert english, "the tutorial shows no pictures"
    assert english == danish

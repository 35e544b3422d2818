"""The file tree is the architecture: the core a learner reads imports only itself and the standard library.

The core is the learner's path (the op table, the engine, networks, losses, optimizers,
training, data) and the helpers it needs. The tools (compiler, pictures, explorer, worked
example, model files, CLI) import the core, never the other way round, and only tools may
import numpy, matplotlib, graphviz or tqdm at module level.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import tinygrad_dk

PACKAGE = Path(tinygrad_dk.__file__).parent
CORE = (
    "ops",
    "engine",
    "nn",
    "perceptron",
    "losses",
    "optim",
    "train",
    "advice",
    "data",
    "gradcheck",
    "_checks",
    "_floats",
    "_files",
    "_lang",
)


def module_level_imports(path: Path) -> list[str]:
    """The modules ``path`` imports when it is imported (not inside functions, not under TYPE_CHECKING)."""
    names: list[str] = []
    for statement in ast.parse(path.read_text("utf-8")).body:
        if isinstance(statement, ast.Import):
            names += [alias.name for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
            if statement.module == "tinygrad_dk":  # from tinygrad_dk import losses
                names += [f"tinygrad_dk.{alias.name}" for alias in statement.names]
            else:
                names.append(statement.module)
    return names


def test_the_core_is_where_the_design_says() -> None:
    missing = [name for name in CORE if not (PACKAGE / f"{name}.py").is_file()]
    assert not missing, f"core modules missing from tinygrad_dk/: {missing}"


@pytest.mark.parametrize("name", CORE)
def test_core_imports_only_the_core_and_the_standard_library(name: str) -> None:
    wrong = []
    for module in module_level_imports(PACKAGE / f"{name}.py"):
        top, *rest = module.split(".")
        if top == "tinygrad_dk":
            if not rest or rest[0] not in CORE:
                wrong.append(module)
        elif top != "__future__" and top not in sys.stdlib_module_names:
            wrong.append(module)
    assert not wrong, (
        f"tinygrad_dk/{name}.py is core but imports {wrong} at module level: import tools and "
        "third-party packages inside the function that needs them, or move the code to a tool"
    )


def test_the_engine_stands_alone() -> None:
    ours = [m for m in module_level_imports(PACKAGE / "engine.py") if m.startswith("tinygrad_dk")]
    assert set(ours) <= {"tinygrad_dk._floats", "tinygrad_dk.ops"}, ours
    assert len((PACKAGE / "engine.py").read_text("utf-8").splitlines()) <= 250


def test_module_level_import_finder_sees_what_it_should(tmp_path: Path) -> None:
    # the checker itself: a function-level import is not module level, a TYPE_CHECKING one neither
    source = (
        "import math\nfrom tinygrad_dk import losses\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import numpy\ndef f():\n    import tqdm\n"
    )
    path = tmp_path / "probe.py"
    path.write_text(source, "utf-8")
    assert module_level_imports(path) == ["math", "tinygrad_dk.losses", "typing"]

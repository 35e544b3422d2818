"""Model files at their limits: files built to exhaust `load`, and what `save` (and every write, through
`tinygrad_dk._files`) may replace or leave behind. The round trip and the ordinary bad files are in test_nn.py."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tinygrad_dk import modelfile
from tinygrad_dk._files import staged, write_atomic
from tinygrad_dk.nn import MLP, Layer, ModelFileError, Module, Neuron, Perceptron, load

CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}  # a child Python imports this tinygrad_dk


def document(config: dict[str, Any], state: dict[str, Any], cls: str = "MLP") -> str:
    return json.dumps({"format": "tinygrad_dk.model", "version": 1, "class": cls, "config": config, "state": state})


MLP_CONFIG = {"nin": 2, "nouts": [3, 1], "activation": "relu", "output_activation": "linear", "init": "uniform"}


class _Unbuildable(MLP):
    """An MLP that must never be built: `load` refuses its file first (on failure this fails fast, not after 10 GB)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"load built the model {args} {kwargs} before checking its size")


@pytest.fixture
def unbuildable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(modelfile._CLASSES, "MLP", _Unbuildable)


# --- 6. the config's sizes against the weights stored ---


@pytest.mark.usefixtures("unbuildable")
def test_a_209_byte_file_cannot_make_load_build_ten_billion_weights(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(document({**MLP_CONFIG, "nouts": [100000, 100000, 1], "seed": 0}, {}))
    implied = 3 * 100000 + 100001 * 100000 + 100001 * 1  # (fan_in + 1) * fan_out, layer by layer
    with pytest.raises(ModelFileError, match=re.escape(f"cannot load {path}: its config implies {implied:,} weights")):
        load(path)
    with pytest.raises(ModelFileError, match="but its state holds 0: the file was damaged or edited"):
        load(path)


@pytest.mark.usefixtures("unbuildable")
def test_a_size_of_thousands_of_digits_is_no_count_to_print(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    path.write_text(document({**MLP_CONFIG, "nin": 10**4000, "seed": 0}, {}))
    with pytest.raises(ModelFileError, match=r"implies more than 10\*\*30 weights but its state holds 0"):
        load(path)


@pytest.mark.parametrize(
    "model",
    [MLP(3, [5, 4, 2], seed=1), MLP(1, [1]), Layer(4, 3), Neuron(6), Perceptron(5)],
    ids=repr,
)
def test_the_count_is_each_class_own_parameter_count(tmp_path: Path, model: Module) -> None:
    path = tmp_path / "model.json"
    model.save(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["state"].popitem()
    path.write_text(json.dumps(saved), encoding="utf-8")
    n = len(model.parameters())  # what the class itself builds
    with pytest.raises(ModelFileError, match=f"its config implies {n:,} weights but its state holds {n - 1:,}"):
        load(path)


# --- 7. files built to break the parser: every one a ModelFileError naming the file and the problem ---

HOSTILE = [  # (name, the file's text, the problem named)
    ("nested", "[" * 100_000 + "]" * 100_000, r"it is not a model file \(its JSON nests too deep\)"),
    (
        "digits",
        document(MLP_CONFIG, {}).replace('"nin": 2', '"nin": ' + "7" * 5000),
        r"it holds an integer of 5000 digits, too long for any number a model has",
    ),
    (
        "overflow",
        document({"nin": 1, "activation": "relu", "init": "uniform"}, {"w.0": 0, "b": 0}, "Neuron").replace(
            '"w.0": 0', '"w.0": 1' + "0" * 400
        ),
        r"parameter 'w\.0' is an integer beyond the float range \(about 1\.8e308\)",
    ),
]


@pytest.mark.parametrize(("name", "text", "problem"), HOSTILE, ids=[name for name, _, _ in HOSTILE])
def test_hostile_files_are_model_file_errors(tmp_path: Path, name: str, text: str, problem: str) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelFileError, match=f"^cannot load {re.escape(str(path))}: .*{problem}"):
        load(path)


def test_load_reads_only_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # reading it waits for a writer: one feeds it, so that a load that reads it fails, not hangs

    def feed() -> None:
        with open(fifo, "w") as pipe:
            pipe.write("{}")

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        with pytest.raises(ModelFileError, match=f"cannot load {re.escape(str(fifo))}: it is a named pipe"):
            load(fifo)
    finally:
        if feeder.is_alive():  # not read, as it should be: let the feeder finish
            with open(fifo) as pipe:
                pipe.read()
        feeder.join()
    with pytest.raises(ModelFileError, match="cannot load /dev/null: it is a character device, not a model file"):
        load("/dev/null")  # like /dev/zero, which would be read without end


# --- 8. what save replaces: regular files only ---


def test_save_refuses_a_named_pipe_and_leaves_it(tmp_path: Path) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match=f"cannot write {re.escape(str(fifo))}: it is a named pipe"):
        MLP(2, [1]).save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["model.json"]


def test_save_refuses_a_symbolic_link_and_leaves_it_and_its_file(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    MLP(2, [1], seed=1).save(real)
    before = real.read_bytes()
    link = tmp_path / "model.json"
    link.symlink_to(real)
    with pytest.raises(FileExistsError, match=f"cannot write {re.escape(str(link))}: it is a symbolic link to {real}"):
        MLP(2, [1], seed=2).save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == before
    MLP(2, [1], seed=2).save(real)  # what the message asks for works
    assert load(link).state_dict() == MLP(2, [1], seed=2).state_dict()


def test_save_onto_a_folder_names_the_folder(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError, match=f"^cannot write {re.escape(str(tmp_path / 'models'))}: it is a folder"):
        MLP(2, [1]).save(tmp_path / "models")
    assert os.listdir(tmp_path) == ["models"] and os.listdir(tmp_path / "models") == []


def test_save_refuses_a_device_and_never_replaces_it(monkeypatch: pytest.MonkeyPatch) -> None:
    replace = os.replace

    def guarded(src: Any, dst: Any) -> None:  # whatever happens, /dev/null stays: this test is run as root too
        if os.path.abspath(dst) == "/dev/null":
            raise AssertionError("save replaced /dev/null")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", guarded)
    with pytest.raises(FileExistsError, match="cannot write /dev/null: it is a character device"):
        MLP(2, [1]).save("/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not [name for name in os.listdir("/dev") if name.startswith(".tinygrad_dk")]


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("", ValueError, "cannot write to '': the path is empty; give a file name, such as model.json"),
        (".", IsADirectoryError, "cannot write to '.': it names a folder, not a file"),
    ],
)
def test_a_path_without_a_file_name_says_so(path: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        MLP(2, [1]).save(path)


def test_a_name_too_long_is_named_not_its_hidden_copy(tmp_path: Path) -> None:
    longest = tmp_path / ("m" * 250 + ".json")  # 255 characters: the hidden copy's name is no longer
    MLP(2, [1]).save(longest)
    assert os.listdir(tmp_path) == [longest.name]
    longest.unlink()
    target = tmp_path / ("m" * 251 + ".json")  # 256 characters: one more than a file system allows
    with pytest.raises(OSError, match="File name too long") as caught:
        MLP(2, [1]).save(target)
    assert caught.value.filename == str(target)
    assert ".tinygrad_dk" not in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_a_staged_folder_checks_every_file_before_moving_any(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "b.png")
    pipe = re.escape(str(tmp_path / "b.png"))
    with pytest.raises(FileExistsError, match=f"cannot write {pipe}: it is a named pipe"), staged(tmp_path) as stage:
        (stage / "a.png").write_bytes(b"a")
        (stage / "b.png").write_bytes(b"b")
    assert os.listdir(tmp_path) == ["b.png"]  # a.png did not arrive without b.png


def test_an_error_inside_the_stage_names_the_file_in_the_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught, staged(tmp_path / "out") as stage:
        (stage / "missing" / "x.svg").read_bytes()
    assert caught.value.filename == str(tmp_path / "out" / "missing" / "x.svg")


# --- 9. a writer killed mid-write: its hidden folder is removed by the next write, and only then ---

STALLED_SAVE = """
import os, sys
from tinygrad_dk.nn import MLP

def stall(fd):  # the file is half written: say so, then wait for the parent (or for kill -9)
    print("writing", flush=True)
    sys.stdin.read()

os.fsync = stall
MLP(2, [3, 1], seed=int(sys.argv[2])).save(sys.argv[1])
"""


@pytest.fixture
def stalled_save(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A process saving ``tmp_path / "model.json"``, stopped with its file half written."""
    child = subprocess.Popen(
        [sys.executable, "-c", STALLED_SAVE, str(tmp_path / "model.json"), "2"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=CHILD_ENV,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "writing\n"
    yield child
    child.kill()
    child.wait()


def hidden(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def test_a_save_killed_midway_leaves_debris_that_the_next_save_removes(
    tmp_path: Path, stalled_save: subprocess.Popen[str]
) -> None:
    stalled_save.kill()  # kill -9
    stalled_save.wait()
    assert len(hidden(tmp_path)) == 1  # what kill -9 leaves: nobody can clean up in the killed process
    model = MLP(2, [3, 1], seed=1)
    model.save(tmp_path / "model.json")
    assert os.listdir(tmp_path) == ["model.json"]
    assert load(tmp_path / "model.json").state_dict() == model.state_dict()


def test_a_live_writer_keeps_its_files_while_another_saves_beside_it(
    tmp_path: Path, stalled_save: subprocess.Popen[str]
) -> None:
    stage = hidden(tmp_path)
    MLP(2, [3, 1], seed=1).save(tmp_path / "other.json")
    assert hidden(tmp_path) == stage  # the live writer's half-written file is still there
    _, _ = stalled_save.communicate("go on")  # it finishes its save
    assert stalled_save.returncode == 0
    assert sorted(os.listdir(tmp_path)) == ["model.json", "other.json"]
    assert load(tmp_path / "model.json").state_dict() == MLP(2, [3, 1], seed=2).state_dict()


def test_only_our_own_dead_writers_folders_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended
    with staged(tmp_path) as stage:  # how this machine names its folders: .tinygrad_dk-<machine>-<pid>-<random>
        machine = stage.name.split("-")[1]
    keep = [
        f".tinygrad_dk-{machine}-{os.getpid()}-alive123",  # a live process's (this one)
        f".tinygrad_dk-{'0' * 8 if machine != '0' * 8 else '1' * 8}-{pid}-othermac",  # another machine's
        ".tinygrad_dk-abcd1234",  # an older naming, whose writer cannot be known
        ".model.json.1234.tmp",  # not ours at all
    ]
    for name in keep:
        (tmp_path / name).mkdir()
    (tmp_path / f".tinygrad_dk-{machine}-{pid}-afile123").write_text("a file of that name, not a folder")
    (tmp_path / f".tinygrad_dk-{machine}-{pid}-stale123").mkdir()
    write_atomic(tmp_path / "model.json", b"{}")
    assert hidden(tmp_path) == sorted([*keep, f".tinygrad_dk-{machine}-{pid}-afile123"])

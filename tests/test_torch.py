"""tinygrad_dk.torch: an MLP to a torch.nn.Sequential and back, the same outputs to 1e-12 for every activation,
the refusals, `tinygrad-dk export`, and the message without torch.

Skipped without PyTorch on a developer's machine; a failure in CI (tests/support.py). The
tests of the message without torch run everywhere."""

from __future__ import annotations

import builtins
import importlib
import math
import random
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import need_module

from tinygrad_dk import cli
from tinygrad_dk.nn import ACTIVATIONS, MLP, Perceptron, load
from tinygrad_dk.torch import NO_TORCH, TORCH_ACTIVATIONS, from_torch, to_torch

NAMED = sorted(ACTIVATIONS)  # relu, tanh, sigmoid, leaky_relu, softplus, linear, step
INPUTS = [[0.3, -1.2, 2.0], [-2.5, 0.7, 0.1], [0.0, 0.0, 0.0], [1.5, 3.0, -0.4], [-30.0, 25.0, 12.0]]


@pytest.fixture(scope="module")
def torch() -> ModuleType:
    """The torch module, or a skip (a failure in CI)."""
    return need_module("torch")


def outputs(model: MLP, x: list[float]) -> list[float]:
    out = model(x)
    return [v.data for v in (out if isinstance(out, list) else [out])]


def test_every_named_activation_has_a_torch_module() -> None:
    assert sorted([*TORCH_ACTIVATIONS, "linear"]) == NAMED


@pytest.mark.parametrize("activation", NAMED)
def test_same_outputs_to_1e_12_for_every_activation(torch: ModuleType, activation: str) -> None:
    model = MLP(3, [5, 4, 2], activation=activation, output_activation=activation, seed=2)
    sequential = to_torch(model)
    assert all(p.dtype == torch.float64 for p in sequential.parameters())
    theirs = sequential(torch.tensor(INPUTS, dtype=torch.float64)).tolist()
    for x, row in zip(INPUTS, theirs, strict=True):
        ours = outputs(model, x)
        assert ours == pytest.approx(row, rel=1e-12, abs=1e-12), (activation, x)
    assert len(set(map(tuple, theirs))) > 1  # the inputs give different outputs: a test that can fail


def test_the_demos_shape_becomes_linear_relu_linear_relu_linear(torch: ModuleType) -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    sequential = to_torch(model)
    assert [type(m).__name__ for m in sequential] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    first = sequential[0]
    neuron = model.layers[0].neurons[3]
    assert first.weight[3].tolist() == [w.data for w in neuron.w] and first.bias[3].item() == neuron.b.data
    assert sequential[-1].weight.shape == (1, 16)


def test_leaky_relu_keeps_its_slope_and_softplus_is_exact_above_20(torch: ModuleType) -> None:
    sequential = to_torch(MLP(1, [1, 1], activation="leaky_relu", output_activation="softplus", seed=0))
    assert sequential[1].negative_slope == 0.01
    assert sequential[3].threshold > 36  # exp(-36) is below float64's resolution of x: no approximation left
    model = MLP(1, [1], output_activation="softplus", seed=0)
    model.load_state_dict({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.b": 0.0})
    x = 25.0  # torch's default threshold, 20, would return 25.0 itself: off by 1.4e-11
    assert to_torch(model)(torch.tensor([[x]], dtype=torch.float64)).item() == outputs(model, [x])[0]
    assert outputs(model, [x])[0] == x + math.log1p(math.exp(-x))


@pytest.mark.parametrize("activation", NAMED)
def test_round_trip_gives_the_same_model(torch: ModuleType, activation: str) -> None:
    model = MLP(3, [4, 4, 2], activation=activation, output_activation="sigmoid", init="he", seed=5)
    back = from_torch(to_torch(model))
    assert back.state_dict() == model.state_dict()  # bit for bit
    assert (back.activation, back.output_activation, back.nouts) == (activation, "sigmoid", [4, 4, 2])
    assert back.seed == 0  # built with seed=0, then its weights replaced: the global random is left alone


def test_from_torch_reads_a_network_made_in_torch(torch: ModuleType) -> None:
    torch.manual_seed(0)
    nn = torch.nn
    sequential = nn.Sequential(
        nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3), nn.Identity()
    )  # float32, as torch makes them
    before = random.getstate()
    model = from_torch(sequential)
    assert random.getstate() == before
    assert repr(model) == "MLP(2, [8, 8, 3], activation='tanh', output_activation='linear', seed=0)"
    x = [0.25, -0.5]
    theirs = sequential.double()(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert outputs(model, x) == pytest.approx(theirs, rel=1e-12, abs=1e-12)
    one = from_torch(nn.Sequential(nn.Linear(3, 1)))  # one linear layer
    assert (one.nouts, one.output_activation) == ([1], "linear")


def test_step_is_a_module_of_our_own_that_torch_can_save_and_load(torch: ModuleType, tmp_path: Path) -> None:
    from tinygrad_dk.torch import Step

    assert Step().forward(torch.tensor([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 1.0]  # step(0) = 0, as ours
    model = MLP(2, [3, 1], activation="step", seed=1)
    torch.save(to_torch(model), tmp_path / "step.pt")
    loaded = torch.load(tmp_path / "step.pt", weights_only=False)
    assert type(loaded[1]) is Step
    assert from_torch(loaded).state_dict() == model.state_dict()


def cube(v: Any) -> Any:
    return v**3


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: MLP(2, [3, 1], activation=cube, seed=0),
            ValueError,
            r"to_torch: layer L1 uses 'cube', a function of your own, which torch does not know: use one of the named",
        ),
        (
            lambda: MLP(2, [3, 1], output_activation=lambda v: v * 2.0, seed=0),
            ValueError,
            r"layer L2 uses '<lambda>', a function of your own",
        ),
        (lambda: Perceptron(2), TypeError, r"to_torch takes an MLP, not Perceptron: build MLP\(nin, \[nout\]\)"),
    ],
)
def test_to_torch_refuses_what_torch_cannot_hold(
    torch: ModuleType, make: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        to_torch(make())


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)),
            ValueError,
            r"from_torch: cannot map layer 1 \(GELU\(approximate='none'\)\): tinygrad_dk has Linear layers and the "
            r"activations relu, tanh",
        ),
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1)),
            ValueError,
            r"cannot map layer 1 \(Dropout",
        ),
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2), nn.Linear(3, 1)),
            ValueError,
            r"layer 1 \(LeakyReLU\(negative_slope=0.2\)\) has the slope 0.2; tinygrad_dk's leaky_relu has 0.01",
        ),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softplus(beta=2.0)), ValueError, r"has beta=2.0"),
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3, bias=False)),
            ValueError,
            r"layer 0 \(Linear\(in_features=2, out_features=3, bias=False\)\) has no bias",
        ),
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)),
            ValueError,
            r"layer 1 .* takes 4 inputs, but the layer before gives 3",
        ),
        (lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), ValueError, r"layer 0 \(ReLU\(\)\) follows no Linear"),
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh()),
            ValueError,
            r"layer 2 \(Tanh\(\)\) follows another activation",
        ),
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)),
            ValueError,
            r"the hidden layers use relu, tanh; an MLP has one activation for all its hidden layers",
        ),
        (lambda nn: nn.Sequential(), ValueError, r"the Sequential has no Linear layer"),
        (lambda nn: nn.Linear(2, 1), TypeError, r"from_torch takes a torch.nn.Sequential .*, not Linear"),
    ],
)
def test_from_torch_refuses_layers_it_cannot_map_by_name(
    torch: ModuleType, make: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        from_torch(make(torch.nn))


def test_from_torch_refuses_weights_that_are_not_finite(torch: ModuleType) -> None:
    sequential = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        sequential[0].weight[0, 1] = math.nan
    with pytest.raises(ValueError, match=r"the weight layers.0.neurons.0.w.1 is nan: every weight must be finite"):
        from_torch(sequential)


# --- tinygrad-dk export ---


def test_cli_export_saves_the_sequential(torch: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = MLP(2, [4, 1], activation="tanh", seed=3)
    model.save(tmp_path / "model.json")
    target = tmp_path / "out" / "model.pt"
    assert cli.main(["export", str(tmp_path / "model.json"), "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert "(1): Tanh()" in out and f"wrote:\n  {target}" in out
    loaded = torch.load(target, weights_only=False)
    assert from_torch(loaded).state_dict() == load(tmp_path / "model.json").state_dict()
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.pt"]  # no temporary file left beside it


def test_cli_export_keeps_the_old_file_when_saving_fails(
    torch: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    MLP(2, [1], seed=0).save(tmp_path / "model.json")
    target = tmp_path / "model.pt"
    target.write_bytes(b"the old file")

    def broken_write(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr("tinygrad_dk._files.os.fsync", broken_write)
    assert cli.main(["export", str(tmp_path / "model.json"), "--to", str(target)]) == 1
    assert "could not write" in capsys.readouterr().err
    assert target.read_bytes() == b"the old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.pt"]


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--to", "m.txt"], 2, r"--to 'm.txt': name the PyTorch file .pt or .pth"),
        (["--to", "m.pt"], 1, r"tinygrad-dk export: to_torch takes an MLP, not Perceptron"),
    ],
)
def test_cli_export_errors(
    torch: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    status: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Perceptron(2).save(tmp_path / "p.json")
    if status == 2:
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["export", "p.json", *argv])
        assert exit_info.value.code == 2
    else:
        assert cli.main(["export", "p.json", *argv]) == 1
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "m.pt").exists()


def test_cli_export_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", str(tmp_path / "none.json"), "--to", str(tmp_path / "m.pt")]) == 1
    assert "none.json" in capsys.readouterr().err


# --- without torch (runs everywhere) ---


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import torch`` fail, as on a machine without it."""
    real_import = builtins.__import__
    real_import_module = importlib.import_module

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        return real_import(name, *args, **kwargs)

    def fake_import_module(name: str, package: str | None = None) -> ModuleType:
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
        return real_import_module(name, package)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(importlib, "import_module", fake_import_module)


@pytest.mark.usefixtures("no_torch")
def test_without_torch_a_call_says_how_to_install_it() -> None:
    assert "pip install torch" in NO_TORCH and "tinygrad-dk[torch]" in NO_TORCH
    with pytest.raises(
        ImportError,
        match=r"tinygrad_dk.torch needs PyTorch: pip install torch \(or pip install "
        r"'tinygrad-dk\[torch\]'\)",
    ):
        to_torch(MLP(2, [1], seed=0))
    with pytest.raises(ImportError, match=r"needs PyTorch: pip install torch"):
        from_torch(object())


@pytest.mark.usefixtures("no_torch")
def test_without_torch_export_says_how_to_install_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    MLP(2, [1], seed=0).save(tmp_path / "model.json")
    assert cli.main(["export", str(tmp_path / "model.json"), "--to", str(tmp_path / "m.pt")]) == 1
    assert "tinygrad-dk export: tinygrad_dk.torch needs PyTorch: pip install torch" in capsys.readouterr().err
    assert not (tmp_path / "m.pt").exists()


def test_importing_the_module_does_not_import_torch() -> None:
    code = "import sys, tinygrad_dk.torch, tinygrad_dk.cli; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.stdout.strip() == "False"

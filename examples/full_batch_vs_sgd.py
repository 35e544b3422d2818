"""Full-batch gradient descent, mini-batches and SGD on the same data from the same start.

All three follow the gradient of the mean loss downhill; they differ in how many samples
each gradient is averaged over, and so in how many updates an epoch (one pass over the
data) makes:

- full batch: the mean over all n samples: 1 exact update per epoch;
- mini-batch of k: ceil(n / k) updates per epoch, each from k samples;
- SGD (stochastic gradient descent, batch size 1): n updates per epoch, each from 1 sample.

A smaller batch's gradient is a noisy estimate of the full one (right on average), but it
buys many more steps for the same work. So at the same learning rate, SGD usually gets
further per epoch, and its loss curve is bumpier.

Run it (a few seconds):

    python examples/full_batch_vs_sgd.py [OUT_DIR]

It prints updates per epoch and the final loss and accuracy of each method, and writes one
plot with the three loss and accuracy curves to OUT_DIR (default: ./examples_out).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tinygrad_dk.data import make_moons
from tinygrad_dk.nn import MLP
from tinygrad_dk.train import History, fit
from tinygrad_dk.viz import plot_history

# --- settings ---------------------------------------------------------------------------
OUT_DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples_out")
SAMPLES = 40
EPOCHS = 20
LR = 0.1  # the same for all three, so only the batch size differs
MINI_BATCH = 10
SEED = 0  # data, starting weights and shuffling

X, y = make_moons(SAMPLES, noise=0.1, seed=SEED)

# --- train three copies of one network ---------------------------------------------------
# Each run builds MLP(..., seed=SEED) afresh, so all three start from identical weights, and
# fit shuffles the mini-batches with its own random.Random(SEED).
methods: list[tuple[str, int | None]] = [("full batch", None), (f"mini-batch {MINI_BATCH}", MINI_BATCH), ("SGD", 1)]
histories: dict[str, History] = {}
for name, batch_size in methods:
    model = MLP(2, [8, 8, 1], seed=SEED)
    histories[name] = fit(
        model,
        X,
        y,
        loss="hinge",
        lr=LR,
        epochs=EPOCHS,
        batch_size=batch_size,
        seed=SEED,
        l2=1e-4,
        progress=False,
        label=name,
    )

# --- compare -----------------------------------------------------------------------------
print(f"{SAMPLES} samples, {EPOCHS} epochs, lr {LR}, MLP(2, [8, 8, 1]), hinge loss")
print(f"{'method':<15}  {'batch':>5}  {'updates/epoch':>13}  {'updates':>7}  {'final loss':>10}  {'accuracy':>8}")
for name, batch_size in methods:
    h = histories[name]
    size = SAMPLES if batch_size is None else batch_size  # fit makes ceil(SAMPLES / size) updates per epoch
    print(
        f"{name:<15}  {size:>5}  {h.updates[0]:>13}  {sum(h.updates):>7}  {h.loss[-1]:>10.4f}  {h.accuracy[-1]:>8.1%}"
    )
print("Same data, same start, same learning rate: the smaller the batch, the more (noisier) steps per epoch.")

# --- one picture, three runs -------------------------------------------------------------
OUT_DIR.mkdir(parents=True, exist_ok=True)
path = plot_history(histories, OUT_DIR / "full_batch_vs_sgd.png")
print(f"wrote {path}")

"""The numbers of `tinygrad_dk.explain` as JSON: every number the text prints, under stable names.

The names are Mazur's (``net_h1``, ``E_total``, ``dE_total/dout_o1``, ``w5``) and ours for the
biases (``b_h1`` ... ``b_o2``). The top level holds the full-batch update:
``error_before`` and ``error_after`` are the batch's cost (the mean of E_total over the
samples), ``weights_after`` the weights after the one update; ``updated`` and
``not_updated`` say which parameters the updates move (the weights, not the biases).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinygrad_dk.explain import (
    PUBLISHED_ERROR_AFTER,
    SOURCE,
    BatchComparison,
    BiasStep,
    Factor,
    Term,
    WeightStep,
    WorkedExample,
)


def _factor(factor: Factor) -> dict[str, Any]:
    """A factor's value and its paths, each a list of edges ``{"op": ..., "local": ...}``."""
    return {
        "value": factor.value,
        "paths": [[{"op": edge.op, "local": edge.local} for edge in path] for path in factor.paths],
    }


def _factors(factors: tuple[Factor, ...]) -> dict[str, Any]:
    return {factor.name: _factor(factor) for factor in factors}


def _term(term: Term) -> dict[str, Any]:
    return {"value": term.value, "factors": _factors(term.factors)}


def _gradient(step: WeightStep | BiasStep) -> dict[str, Any]:
    """A parameter's chain rule: ``value`` is the product of the factors, ``grad`` what backward() left."""
    return {
        "value": step.grad,
        "grad": step.engine_grad,
        "factors": _factors(step.factors),
        "through": {term.name: _term(term) for term in step.through},
    }


def _order(step: WeightStep | BiasStep) -> tuple[bool, str]:
    """w1 ... w8, then b_h1 ... b_o2."""
    return isinstance(step, BiasStep), step.name


def _pass(k: int, example: WorkedExample) -> dict[str, Any]:
    """One sample at the starting weights: forward pass, error and every parameter's gradient."""
    forward: dict[str, float] = {}
    for neuron in example.neurons:
        forward[f"net_{neuron.name}"] = neuron.net
        forward[f"out_{neuron.name}"] = neuron.out
    errors = {f"E_{e.name}": e.error for e in example.errors} | {"E_total": example.total_error}
    return {
        "sample": k,
        "forward": forward,
        "error": errors,
        "gradients": {step.name: _gradient(step) for step in sorted(example.steps(), key=_order)},
        "weights_after_this_sample_alone": {s.name: s.after for s in sorted(example.weights, key=lambda s: s.name)},
    }


def _sgd(c: BatchComparison) -> dict[str, Any]:
    steps = []
    for k, (example, error) in enumerate(zip(c.sgd, c.sgd_errors, strict=True), start=1):
        weights = sorted(example.weights, key=lambda s: s.name)
        steps.append(
            {
                "sample": k,
                "weights_before": {s.name: s.before for s in weights},
                "gradients": {s.name: s.grad for s in weights},
                "weights_after": {s.name: s.after for s in weights},
                "E_total": example.total_error,
                "error_after": error,
            }
        )
    return {"steps": steps, "weights_after": {p.name: p.sgd for p in c.weights}, "error_after": c.error_sgd}


def to_json(c: BatchComparison, stale: float | None = None, pictures: tuple[Path, Path] | None = None) -> str:
    """Every number of the worked example, as a JSON document (see the module's docstring for the names)."""
    author, title, url = SOURCE
    data: dict[str, Any] = {
        "source": {"author": author, "title": title, "url": url},
        "learning_rate": c.lr,
        "seed": c.seed,
        "samples": [
            {"i1": s.inputs[0], "i2": s.inputs[1], "target_o1": s.targets[0], "target_o2": s.targets[1]}
            for s in c.samples
        ],
        "weights_before": {p.name: p.start for p in c.weights},
        "biases": {p.name: p.start for p in c.biases},
        "updated": [p.name for p in c.weights],
        "not_updated": [p.name for p in c.biases],
        "passes": [_pass(k, example) for k, example in enumerate(c.passes, start=1)],
        "mean_gradients": {p.name: {"per_sample": list(p.grads), "mean": p.mean_grad} for p in (*c.weights, *c.biases)},
        "error_before": c.error_start,
        "error_after": c.error_full_batch,
        "weights_after": {p.name: p.full_batch for p in c.weights},
        "sgd": _sgd(c),
    }
    if stale is not None:
        data["mazur"] = {
            "published_error_after": PUBLISHED_ERROR_AFTER,
            "error_after": c.error_full_batch,
            "error_after_through_updated_w5_w8": stale,
        }
    if pictures is not None:
        data["pictures"] = {"before": Path(pictures[0]).name, "after": Path(pictures[1]).name}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

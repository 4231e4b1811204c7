"""Record PyTorch's optimizer steps and scheduler rates as a test fixture.

Run with PyTorch installed (``pip install torch==2.13.0``, CPU build)::

    python3 tests/tools/make_torch_reference.py

It writes ``tests/data/torch_reference.json``: for each optimizer setting,
the gradients PyTorch saw and the parameters after every step on a
two-parameter-group quadratic bowl, in float64; and for each scheduler, the
rates PyTorch's recursive ``step()`` produced.  The tests feed the same
gradients to probml's optimizers and compare, so CI needs no PyTorch.
"""

import json
import math
from pathlib import Path

import torch

STEPS = 40
OUT = Path(__file__).resolve().parents[1] / "data" / "torch_reference.json"

OPTIMIZERS = [
    ("sgd", torch.optim.SGD, {"lr": 0.05}),
    ("sgd", torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    ("sgd", torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "dampening": 0.1,
                              "weight_decay": 0.01}),
    ("adagrad", torch.optim.Adagrad, {"lr": 0.5}),
    ("adagrad", torch.optim.Adagrad, {"lr": 0.5, "lr_decay": 0.01, "weight_decay": 0.01,
                                      "initial_accumulator_value": 0.1}),
    ("rmsprop", torch.optim.RMSprop, {"lr": 0.01}),
    ("rmsprop", torch.optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5,
                                      "weight_decay": 0.01}),
    ("adam", torch.optim.Adam, {"lr": 0.1}),
    ("adam", torch.optim.Adam, {"lr": 0.1, "betas": (0.8, 0.99), "weight_decay": 0.05,
                                "amsgrad": True}),
    ("adamw", torch.optim.AdamW, {"lr": 0.1}),
    ("adamw", torch.optim.AdamW, {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True}),
]


def bowl():
    """A rotated quadratic 0.5 x'Ax - b'x with condition number 25, and a second leaf."""
    angle = 0.4
    rotation = torch.tensor([[math.cos(angle), -math.sin(angle)],
                             [math.sin(angle), math.cos(angle)]], dtype=torch.float64)
    A = rotation @ torch.diag(torch.tensor([1.0, 25.0], dtype=torch.float64)) @ rotation.T
    b = torch.tensor([1.0, -2.0], dtype=torch.float64)
    return A, b


def run_optimizer(cls, settings):
    A, b = bowl()
    w = torch.tensor([3.0, -1.5], dtype=torch.float64, requires_grad=True)
    c = torch.tensor([[0.5, -0.25, 2.0]], dtype=torch.float64, requires_grad=True)
    optimizer = cls([w, c], foreach=False, **settings)
    grads, params = [], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = 0.5 * w @ A @ w - b @ w + 0.5 * (c ** 4).sum()
        loss.backward()
        grads.append({"w": w.grad.tolist(), "c": c.grad.tolist()})
        optimizer.step()
        params.append({"w": w.detach().tolist(), "c": c.detach().tolist()})
    return {"start": {"w": [3.0, -1.5], "c": [[0.5, -0.25, 2.0]]}, "grads": grads,
            "params": params}


def scheduler_rates(make, base_rate=0.1, steps=45):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=base_rate)
    scheduler = make(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


S = torch.optim.lr_scheduler
SCHEDULERS = {
    "step_decay": ({"base_rate": 0.1, "step_size": 3, "gamma": 0.5},
                   lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
    "exponential_decay": ({"base_rate": 0.1, "gamma": 0.9},
                          lambda o: S.ExponentialLR(o, gamma=0.9)),
    "cosine_annealing": ({"base_rate": 0.1, "T_max": 10, "eta_min": 0.01},
                         lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
    "cosine_annealing_warm_restarts": (
        {"base_rate": 0.1, "T_0": 3, "T_mult": 2, "eta_min": 0.001},
        lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001)),
    "cosine_annealing_warm_restarts_T_mult_1": (
        {"base_rate": 0.1, "T_0": 7, "T_mult": 1, "eta_min": 0.0},
        lambda o: S.CosineAnnealingWarmRestarts(o, T_0=7)),
    "linear_warmup": ({"base_rate": 0.1, "warmup_steps": 4, "start_factor": 0.25},
                      lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4)),
}


def main():
    reference = {
        "torch_version": torch.__version__,
        "optimizers": [{"name": name, "settings": settings, **run_optimizer(cls, settings)}
                       for name, cls, settings in OPTIMIZERS],
        "schedulers": {name: {"settings": settings, "rates": scheduler_rates(make)}
                       for name, (settings, make) in SCHEDULERS.items()},
    }
    OUT.write_text(json.dumps(reference, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    main()

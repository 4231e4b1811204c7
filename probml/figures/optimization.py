"""Optimisation: learning-rate schedules."""

import numpy as np
from matplotlib.figure import Figure

from ..optim import schedules
from . import register


@register("learning-rate-schedules", concept="learning-rate schedules",
          caption="Six schedules over the same 300 steps, from a base rate of 0.1: "
                  "constant, step decay, exponential decay, linear warmup into cosine "
                  "annealing, cosine annealing, and cosine annealing with warm restarts "
                  "whose periods double.")
def learning_rate_schedules(rng):
    steps = np.arange(300)
    curves = {
        "constant": schedules.constant(0.1),
        "step decay (x0.5 every 75)": schedules.step_decay(0.1, 75, 0.5),
        "exponential (0.99 per step)": schedules.exponential_decay(0.1, 0.99),
        "warmup 30, then cosine": schedules.linear_warmup(
            0.1, 30, then=schedules.cosine_annealing(0.1, 270, clamp=True)),
        "cosine annealing": schedules.cosine_annealing(0.1, 300, clamp=True),
        "warm restarts (T0 = 20, x2)": schedules.cosine_annealing_warm_restarts(0.1, 20, 2),
    }
    figure = Figure(figsize=(6.4, 5.2))
    axes = figure.subplots(3, 2, sharex=True, sharey=True)
    for ax, (label, schedule) in zip(axes.ravel(), curves.items()):
        ax.plot(steps, [schedule(int(t)) for t in steps])
        ax.set_title(label, fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("step")
    for ax in axes[:, 0]:
        ax.set_ylabel("rate")
    figure.tight_layout()
    return figure

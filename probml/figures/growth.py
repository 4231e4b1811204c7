"""Growth: cohort retention and the retention models fitted to it."""

import numpy as np
from matplotlib.figure import Figure

from ..growth import cohort_retention, fit_retention
from . import register


RETENTION_PERIODS = 8
CHURN_PRIOR = (1.2, 3.0)              # each user's monthly churn probability ~ Beta(a, b)


def simulated_activity(rng):
    """(user, signup month, active month) rows: users churn with a Beta-distributed rate."""
    users, signups, active = [], [], []
    next_user = 0
    for cohort in range(RETENTION_PERIODS):
        size = int(rng.integers(400, 700))
        churn = rng.beta(*CHURN_PRIOR, size)
        lifetime = rng.geometric(churn)            # months active, >= 1
        for months in lifetime:
            last = min(cohort + int(months), RETENTION_PERIODS)
            for month in range(cohort, last):
                users.append(next_user)
                signups.append(cohort)
                active.append(month)
            next_user += 1
    return np.array(users), np.array(signups), np.array(active)


@register("cohort-retention", concept="cohort retention",
          caption="Left: the share of each monthly signup cohort still active k months later "
                  "(simulated users whose churn rates vary); newer cohorts are observed for "
                  "fewer months. Right: the first cohort's survivors with the shifted-beta-"
                  "geometric and geometric fits; only the sBG, which lets churn rates vary, "
                  "bends like the data.")
def cohort_retention_figure(rng):
    table = cohort_retention(*simulated_activity(rng))
    figure = Figure(figsize=(9.6, 4.0))
    left, right = figure.subplots(1, 2, width_ratios=(1.15, 1))
    image = left.imshow(np.ma.masked_invalid(table.retention), cmap="Blues", vmin=0, vmax=1,
                        aspect="auto")
    for (c, k), value in np.ndenumerate(table.retention):
        if np.isfinite(value):
            left.text(k, c, f"{value:.0%}", ha="center", va="center", fontsize=7,
                      color="white" if value > 0.6 else "black")
    left.set_xticks(np.arange(table.retention.shape[1]))
    left.set_yticks(np.arange(len(table.cohorts)),
                    [f"month {c} ({n})" for c, n in zip(table.cohorts, table.sizes)])
    left.set_xlabel("months since signup")
    left.set_title("Retention by signup cohort (size)", fontsize=10)
    left.grid(False)
    figure.colorbar(image, ax=left, fraction=0.05, pad=0.02)
    survivors = table.survivors(table.cohorts[0])
    months = np.arange(survivors.size)
    horizon = np.arange(12)
    right.plot(months, survivors / survivors[0], "ko", label="cohort month 0")
    for colour, model in (("C0", "sbg"), ("C3", "geometric")):
        fit = fit_retention(survivors, model)
        label = ("sBG: " + ", ".join(f"{k} = {v:.2f}" for k, v in fit.params.items())
                 if model == "sbg" else f"geometric: churn {fit.params['theta']:.3f}")
        right.plot(horizon, fit.survival(horizon), color=colour, label=label)
    right.axvline(months[-1], color="0.5", linestyle=":", linewidth=1)
    right.text(months[-1] + 0.2, 0.95, "forecast ->", fontsize=8, color="0.4")
    right.set_ylim(0, 1.02)
    right.set_xlabel("months since signup")
    right.set_ylabel("share still active")
    right.set_title("Fitted retention curves", fontsize=10)
    right.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    return figure

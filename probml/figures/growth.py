"""Growth: cohort retention and its models, stickiness, a conversion funnel, survivorship
bias and multi-touch attribution."""

import numpy as np
from matplotlib.figure import Figure

from ..growth import cohort_retention, conversion_rate, fit_retention, stickiness
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


STICKINESS_USERS, STICKINESS_DAYS = 400, 30
# Each user's daily chance of showing up ~ Beta(a, b): a few daily users, many occasional.
ENGAGEMENT_PRIOR = (0.6, 2.4)


def simulated_daily_activity(rng):
    """(user, day) rows of a month in which each user shows up on a day with their own
    probability."""
    engagement = rng.beta(*ENGAGEMENT_PRIOR, STICKINESS_USERS)
    active = rng.random((STICKINESS_USERS, STICKINESS_DAYS)) < engagement[:, None]
    users, days = np.nonzero(active)
    return users, days


@register("stickiness", concept="stickiness (DAU/MAU)",
          caption="A month of daily activity of 400 users whose daily chance of showing up "
                  "varies (Beta(0.6, 2.4)). Left: daily active users against the month's "
                  "active users (MAU). Right: each active user's share of days active; "
                  "DAU/MAU is their mean, with its 95% confidence interval.",
          seed=3)
def stickiness_figure(rng):
    users, days = simulated_daily_activity(rng)
    result = stickiness(users, days)
    shares = np.bincount(users, minlength=STICKINESS_USERS) / STICKINESS_DAYS
    shares = shares[shares > 0]
    figure = Figure(figsize=(9.0, 3.8))
    left, right = figure.subplots(1, 2)
    left.bar(result.days + 1, result.dau, color="C0", label="daily active users (DAU)")
    left.axhline(result.mau, color="C3", linestyle="--", label=f"MAU = {result.mau}")
    left.axhline(result.dau.mean(), color="C0", linestyle=":",
                 label=f"mean DAU = {result.dau.mean():.1f}")
    left.set_xlabel("day")
    left.set_ylabel("users")
    left.set_title(f"DAU/MAU = {result.value:.3f}", fontsize=10)
    left.legend(fontsize=8, loc="center right")
    right.hist(shares, bins=np.linspace(0, 1, 31), color="0.7",
               label="active users' share of days")
    right.axvline(result.value, color="C0", label=f"mean = DAU/MAU = {result.value:.3f}")
    right.axvspan(result.low, result.high, color="C0", alpha=0.25,
                  label=f"95% CI {result.low:.3f} to {result.high:.3f}")
    right.set_xlabel("share of the month's days a user was active")
    right.set_ylabel("users")
    right.set_title("Stickiness is the mean share of days", fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure


FUNNEL_STEPS = ("visited", "signed up", "activated", "purchased")
FUNNEL_COUNTS = np.array([5000, 1150, 460, 92])


@register("conversion-funnel", concept="conversion funnel",
          caption="A four-step funnel: the share of visitors reaching each step (left) and "
                  "each step's conversion from the one before (right), with 95% Wilson "
                  "intervals: the later steps, with fewer users, are known less precisely.")
def conversion_funnel(rng):
    overall = conversion_rate(FUNNEL_COUNTS[1:], np.full(3, FUNNEL_COUNTS[0]))
    stepwise = conversion_rate(FUNNEL_COUNTS[1:], FUNNEL_COUNTS[:-1])
    positions = np.arange(1, len(FUNNEL_STEPS))
    figure = Figure(figsize=(9.0, 3.8))
    left, right = figure.subplots(1, 2)
    for ax, estimate, title in ((left, overall, "Share of visitors reaching the step"),
                                (right, stepwise, "Conversion from the step before")):
        ax.bar(positions, estimate.rate, color="C0", alpha=0.6)
        ax.errorbar(positions, estimate.rate,
                    yerr=[estimate.rate - estimate.low, estimate.high - estimate.rate],
                    fmt="none", color="k", capsize=4, label="95% Wilson interval")
        for x0, rate, low, high in zip(positions, estimate.rate, estimate.low, estimate.high):
            ax.text(x0, high, f"{rate:.3f}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(positions, FUNNEL_STEPS[1:])
        ax.set_ylabel("rate")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    left.set_xlabel(f"step (of {FUNNEL_COUNTS[0]} visitors)")
    right.set_xlabel("step")
    figure.tight_layout()
    return figure


SURVIVOR_COHORT, SURVIVOR_PERIODS = 20_000, 12


@register("survivorship-bias", concept="survivorship bias",
          caption="A cohort of 20,000 users whose monthly churn rates vary as Beta(1.2, 3.0). "
                  "Left: the churn rate measured among the users still active after t "
                  "months falls (dots), as the derivation's a/(a + b + t) says (line), far "
                  "below a new user's a/(a + b): estimating churn from survivors is biased. "
                  "Right: the churn rates of all users and of those who stayed 6 months.",
          derivation="survivorship-bias", seed=11)
def survivorship_bias(rng):
    a, b = CHURN_PRIOR
    theta = rng.beta(a, b, SURVIVOR_COHORT)
    lifetime = rng.geometric(theta)                    # the month each user churns in
    months = np.arange(SURVIVOR_PERIODS)
    measured = [float(np.mean(lifetime[lifetime > t] == t + 1)) for t in months]
    figure = Figure(figsize=(9.0, 3.8))
    left, right = figure.subplots(1, 2)
    left.plot(months, measured, "o", color="C0", label="measured among the survivors")
    left.plot(months, a / (a + b + months), color="C3", label="a / (a + b + t)")
    left.axhline(a / (a + b), color="0.4", linestyle="--",
                 label=f"a new user's a / (a + b) = {a / (a + b):.3f}")
    left.set_xlabel("months survived t")
    left.set_ylabel("churn rate in the next month")
    left.set_title("Churn measured on survivors is biased low", fontsize=10)
    left.legend(fontsize=8)
    bins = np.linspace(0, 1, 41)
    right.hist(theta, bins, density=True, color="0.7", label="all users")
    right.hist(theta[lifetime > 6], bins, density=True, color="C0", alpha=0.6,
               label="users active after 6 months")
    right.set_xlabel("monthly churn rate theta")
    right.set_ylabel("density")
    right.set_title("Who is left: the low-churn users", fontsize=10)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure


ATTRIBUTION_CHANNELS = ("display", "social", "email", "search", "direct")
# Each channel's propensity at the start (awareness) and the end (closing) of a journey.
_EARLY = np.array([4.0, 3.0, 1.5, 1.0, 0.5])
_LATE = np.array([0.5, 1.0, 1.5, 4.0, 3.0])


def simulated_journeys(rng, n_users=3000):
    """Touchpoint rows (user, channel, day) and the users who converted: display and
    social open journeys, search and direct close them, and journeys that reach more
    channels convert more often."""
    users, channels, days, converted = [], [], [], []
    for user in range(n_users):
        m = min(1 + int(rng.poisson(2.0)), 7)
        position = np.linspace(0.0, 1.0, m) if m > 1 else np.ones(1)
        propensity = (1 - position)[:, None] * _EARLY + position[:, None] * _LATE
        picks = [rng.choice(len(ATTRIBUTION_CHANNELS), p=row / row.sum())
                 for row in propensity]
        users += [user] * m
        channels += [ATTRIBUTION_CHANNELS[k] for k in picks]
        days += list(np.sort(rng.uniform(0.0, 28.0, m)))
        if rng.random() < 0.05 + 0.06 * len(set(picks)):
            converted.append(user)
    return np.array(users), np.array(channels), np.array(days), converted


@register("multi-touch-attribution", concept="multi-touch attribution",
          caption="The share of 3,000 simulated users' conversions credited to each channel "
                  "by six attribution models. First touch credits the channels that open "
                  "journeys (display, social), last touch those that close them (search, "
                  "direct); linear, time decay (half-life 7 days) and position-based (40/20/40) "
                  "fall in between, and the Shapley value splits each conversion equally "
                  "among the distinct channels of its journey.",
          derivation="multi-touch-attribution")
def multi_touch_attribution(rng):
    from ..growth import ATTRIBUTION_MODELS, attribution

    users, channels, days, converted = simulated_journeys(rng)
    figure = Figure(figsize=(7.6, 4.2))
    ax = figure.add_subplot()
    width = 0.8 / len(ATTRIBUTION_MODELS)
    order = list(ATTRIBUTION_CHANNELS)
    for m, model in enumerate(ATTRIBUTION_MODELS):
        result = attribution(users, channels, converted, times=days, model=model)
        share = dict(zip(result.channels, result.share))
        ax.bar(np.arange(len(order)) + (m - (len(ATTRIBUTION_MODELS) - 1) / 2) * width,
               [share[c] for c in order], width, label=model.replace("_", " "),
               color=f"C{m}")
    ax.set_xticks(np.arange(len(order)), order)
    ax.set_ylabel("share of conversions credited")
    ax.set_title(f"{len(converted):,} conversions of {users.max() + 1:,} users, six models",
                 fontsize=10)
    ax.legend(fontsize=8, ncol=3, loc="upper center")
    ax.set_ylim(0, 0.56)
    figure.tight_layout()
    return figure

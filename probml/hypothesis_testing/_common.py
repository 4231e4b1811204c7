"""What the hypothesis-testing modules share: the alternatives, counts and simulation size."""

from .._validation import Integer, Options
from ..inference import MAX_COUNT

ALTERNATIVE = Options("two-sided", "greater", "less")
# Most numbers a simulation draws at once (1 GiB of float64).
MAX_SIMULATED = 2 ** 27
COUNT = Integer(0, MAX_COUNT, whole_floats=True, meaning=" (a count)")


def check_alternative(alternative):
    """``alternative`` checked: one of "two-sided", "greater", "less"."""
    return ALTERNATIVE(alternative, "alternative")


def check_counts(successes, trials, successes_name="successes", trials_name="trials",
                 count=COUNT):
    """Whole-number ``successes`` out of ``trials > 0``, each checked and named."""
    successes = count(successes, successes_name)
    trials = count(trials, trials_name)
    if trials == 0:
        raise ValueError(f"{trials_name} must be > 0.")
    if successes > trials:
        raise ValueError(f"{successes_name} ({successes}) cannot exceed {trials_name} "
                         f"({trials}).")
    return successes, trials

r"""Bring your own model: write a log-density in SymPy; probml derives, fits and verifies it.

>>> import sympy as sp
>>> from probml.likelihood import Model
>>> x, lam = sp.Symbol("x"), sp.Symbol("lambda", positive=True)
>>> model = Model(sp.log(lam) - lam * x, data=x, support="positive", name="exponential")
>>> model.derive().results["mle_lambda"]
n/Sum(x[i], (i, 1, n))

Importing this package imports SymPy; ``import probml`` does not.
"""

from .data import SUPPORTS
from .distributions import (DISTRIBUTIONS, DistributionFit, distribution_model,
                            fit_distribution)
from .glm import FAMILIES, GLM
from .model import LINKS, Model
from .nonlinear import NonlinearRegression
from .results import LikelihoodFit, LikelihoodRatioTest, likelihood_ratio_test

__all__ = ["DISTRIBUTIONS", "FAMILIES", "GLM", "LINKS", "LikelihoodFit", "LikelihoodRatioTest", "Model", "NonlinearRegression",
           "DistributionFit", "SUPPORTS",
           "distribution_model", "fit_distribution", "likelihood_ratio_test"]

"""probml's models: one module per family, each a likelihood with its estimators."""

from .linear import LinearRegression, Ridge, prior_std_to_ridge_alpha, ridge_alpha_to_prior_std

__all__ = [
    "LinearRegression",
    "Ridge",
    "prior_std_to_ridge_alpha",
    "ridge_alpha_to_prior_std",
]

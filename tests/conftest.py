"""Shared fixtures: the NIST StRD reference folder and common data sets."""

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def reference_dir():
    """``PROBML_REFERENCE_DIR``, or ``../shared/reference`` beside the checkout."""
    return Path(os.environ.get("PROBML_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))


@pytest.fixture(scope="session")
def nist_dir():
    folder = reference_dir() / "nist-strd"
    if not folder.is_dir():
        pytest.skip(f"NIST StRD reference data not found at {folder}; set "
                    "PROBML_REFERENCE_DIR to the folder that holds nist-strd/")
    return folder


@pytest.fixture(scope="session")
def diabetes():
    from sklearn.datasets import load_diabetes

    return load_diabetes(return_X_y=True)


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)

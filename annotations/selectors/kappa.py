"""Chance-corrected agreement: Cohen's kappa for two raters, Fleiss' kappa for many. Pure functions.

Cohen's kappa comes from scikit-learn; Fleiss' kappa (statsmodels is not a dependency) is Fleiss
(1971): with N subjects, n ratings each, k categories and n_ij raters putting subject i in category j,
P_i = (sum_j n_ij^2 - n) / (n (n - 1)), p_j = sum_i n_ij / (N n), kappa = (mean P_i - sum p_j^2) /
(1 - sum p_j^2). Both return None where kappa is undefined (chance agreement is 1: every rating is
the same category), rather than a NaN.
"""

import math
import warnings
from collections.abc import Sequence

from sklearn.metrics import cohen_kappa_score


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa of a subjects x categories count table (every row sums to the same n >= 2)."""
    if not table:
        return None
    n = sum(table[0])
    if n < 2:
        raise ValueError("Fleiss' kappa needs at least two ratings per subject")
    if any(sum(row) != n for row in table):
        raise ValueError("every subject needs the same number of ratings")
    subjects = len(table)
    k = len(table[0])
    p = [sum(row[j] for row in table) / (subjects * n) for j in range(k)]
    p_bar = sum((sum(c * c for c in row) - n) / (n * (n - 1)) for row in table) / subjects
    p_e = sum(x * x for x in p)
    if math.isclose(p_e, 1.0):
        return None
    return (p_bar - p_e) / (1 - p_e)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters' labels on the same subjects (None if undefined or empty)."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same subjects")
    if not a:
        return None
    if len(set(a) | set(b)) == 1:
        return None  # both always gave the one same label: kappa is 0/0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(cohen_kappa_score(list(a), list(b)))
    return None if math.isnan(value) else value


def agreement(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Fraction of subjects on which two raters gave the same label."""
    if not a:
        return None
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)

"""Every comparison of a value with a threshold, in one place (SPEC 3, «Exact comparisons»).

Theory of operation: the numbers a person writes are decimals (13.8 days, КПА 0.30, a norm of
57 %), but binary floating point stores them, and the results of arithmetic on them (1.15 × 12,
the mean of 0.28, 0.30 and 0.32, 57 / 100 × 100), with an error in the 16th–17th significant
digit: 1.15 × 12 is 13.799999999999999. Compared raw, such a value misses a boundary it lies on.

The rule: both sides of every comparison are first rounded to `DECIMALS` = 9 decimal places and
then compared exactly. Nine places are far finer than anything a person enters or a regulation
states (at most 3–4 places), and far coarser than the float error of the magnitudes involved
(values below 10⁶, whose error is below 10⁻¹⁰), so a value equal to a boundary «as a person
writes it» lands exactly on it, and values that really differ keep their order. Ratios are formed
as `numerator × multiplier / denominator` (one rounding, not two), see `ratio`.

Editing rule: code outside this module never compares a computed value with a threshold using
`<`, `>`, `<=`, `>=` directly; it calls the functions here, which work on scalars and arrays alike
and stay vectorised.
"""

from __future__ import annotations

import numpy as np

DECIMALS = 9
STATEMENT = ("Сравнения с порогами точные: обе стороны округляются до 9 знаков после запятой и только потом "
             "сравниваются, поэтому значение, равное порогу (13,8 = 1,15 × 12; 57 из 100 = 57 %; среднее 0,28, 0,30 "
             "и 0,32 = 0,30), получает балл этого порога. Отношения считаются как числитель × множитель / знаменатель.")

# beyond this magnitude rounding to 9 places would overflow the scaled value; such numbers are
# compared as they are (no regulation threshold lies there)
_LIMIT = 1e6


def snap(x):
    """`x` rounded to `DECIMALS` places (NaN stays NaN); scalars give a float, arrays an array."""
    a = np.asarray(x, dtype="float64")
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(np.abs(a) < _LIMIT, np.round(a, DECIMALS), a)
    return float(out) if out.ndim == 0 else out


def at_least(value, threshold):
    """value ≥ threshold, exactly at the boundary; False where either is NaN."""
    return np.greater_equal(snap(value), snap(threshold))


def at_most(value, threshold):
    """value ≤ threshold, exactly at the boundary; False where either is NaN."""
    return np.less_equal(snap(value), snap(threshold))


def below(value, threshold):
    """value < threshold: a value on the boundary is not below it."""
    return np.less(snap(value), snap(threshold))


def above(value, threshold):
    """value > threshold: a value on the boundary is not above it."""
    return np.greater(snap(value), snap(threshold))


def reaches(value, threshold, lower_better):
    """The value reaches the threshold in the indicator's direction: ≤ when lower is better, else ≥."""
    return np.where(lower_better, at_most(value, threshold), at_least(value, threshold))


def versus(value, norm, lower_better):
    """+1 where the value is better than the norm in its direction, −1 where worse, 0 where equal or NaN."""
    v, n = snap(value), snap(norm)
    with np.errstate(invalid="ignore"):
        sign = np.sign(np.asarray(v) - np.asarray(n))
    sign = np.where(np.isnan(sign), 0.0, sign)
    return np.where(lower_better, -sign, sign)


def ratio(numerator, denominator, multiplier=1.0):
    """numerator × multiplier / denominator; NaN where the denominator is not positive."""
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num * multiplier / den, np.nan)

"""Parameter domain of the game and its validation.

The game is defined for a production cost phi in (1, 2) (nobody produces alone,
two producers gain: section 2 of the paper), a search cost c >= 0 and a discount
factor delta in (0, 1].
"""
from __future__ import annotations

from numbers import Real

import numpy as np

PHI_RANGE = "(1, 2)"
C_RANGE = "[0, inf)"
DELTA_RANGE = "(0, 1]"


def as_number_array(name: str, value) -> np.ndarray:
    """``value`` as a float array; a one-line ValueError naming ``name`` if it is not a number (nan passes)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if isinstance(value, (str, bytes)) or (np.ndim(value) == 0 and not isinstance(value, (Real, np.number))):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return arr


def _check(name: str, arr: np.ndarray, ok: np.ndarray, allowed: str) -> None:
    bad = ~ok | np.isnan(arr)
    if np.any(bad):
        first = float(arr.ravel()[np.flatnonzero(bad.ravel())[0]])
        raise ValueError(f"{name} must be in {allowed}, got {first!r}")


def validate(phi, c, delta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check (phi, c, delta) against the game's domain; return them as float arrays.

    Raises ValueError with a one-line message naming the first bad parameter.
    """
    phi_a = as_number_array("phi", phi)
    c_a = as_number_array("c", c)
    delta_a = as_number_array("delta", delta)
    with np.errstate(invalid="ignore"):
        _check("phi", phi_a, (phi_a > 1) & (phi_a < 2), PHI_RANGE)
        _check("c", c_a, (c_a >= 0) & np.isfinite(c_a), C_RANGE)
        _check("delta", delta_a, (delta_a > 0) & (delta_a <= 1), DELTA_RANGE)
    return phi_a, c_a, delta_a


def validate_scalar(phi, c, delta) -> tuple[float, float, float]:
    """Like `validate`, for one parameter point."""
    for name, value in (("phi", phi), ("c", c), ("delta", delta)):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a single number, got {value!r}")
    phi_a, c_a, delta_a = validate(phi, c, delta)
    return float(phi_a), float(c_a), float(delta_a)


__all__ = ["as_number_array", "validate", "validate_scalar", "PHI_RANGE", "C_RANGE", "DELTA_RANGE"]

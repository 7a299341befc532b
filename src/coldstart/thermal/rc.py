"""Two-node RC building model (air and mass), exact over a step with constant inputs.

``Ca dTa/dt = UA (To - Ta) + Hm (Tm - Ta) + Qa``;  ``Cm dTm/dt = Hm (Ta - Tm) + Qm``
([GRIDLABD-ETP]: the structure of GridLAB-D's residential ETP model). The system matrix
does not depend on the inputs, so its matrix exponential over the step is computed once per
building; each step is then a vectorized affine update around the steady state of the step's
inputs, with no ODE solver in the loop:

``x(t + dt) = x* + exp(A dt) (x(t) - x*)``, with ``Ta* = To + (Qa + Qm) / UA`` and
``Tm* = Ta* + Qm / Hm``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from coldstart.thermal.archetypes import RCParams


def system_matrix(p: RCParams) -> np.ndarray:
    """The 2x2 system matrix ``A`` of every building [1/s], shape (N, 2, 2)."""
    n = len(p.ua_w_k)
    a = np.empty((n, 2, 2))
    a[:, 0, 0] = -(p.ua_w_k + p.hm_w_k) / p.ca_j_k
    a[:, 0, 1] = p.hm_w_k / p.ca_j_k
    a[:, 1, 0] = p.hm_w_k / p.cm_j_k
    a[:, 1, 1] = -p.hm_w_k / p.cm_j_k
    return a


def eigenvalues_per_s(p: RCParams) -> tuple[np.ndarray, np.ndarray]:
    """Fast and slow eigenvalues of every building's system matrix [1/s] (both negative)."""
    a11 = -(p.ua_w_k + p.hm_w_k) / p.ca_j_k
    a12 = p.hm_w_k / p.ca_j_k
    a21 = p.hm_w_k / p.cm_j_k
    a22 = -p.hm_w_k / p.cm_j_k
    tr = a11 + a22
    det = a11 * a22 - a12 * a21
    root = np.sqrt(tr**2 / 4 - det)
    return tr / 2 - root, tr / 2 + root


def expm_2x2(m: np.ndarray) -> np.ndarray:
    """Matrix exponential of a stack of real 2x2 matrices with real eigenvalues, in closed form.

    With ``s = (a + d) / 2``, ``delta = (a - d) / 2`` and ``q = sqrt(delta^2 + b c)`` (the
    eigenvalues are ``s -/+ q``)::

        exp(M) = e^s cosh(q) I + e^s sinh(q) / q (M - s I)

    evaluated without cancellation: ``e^s sinh(q) / q = -e^(s+q) expm1(-2q) / (2q)``, and the
    diagonal as ``e^(s-q) + f (q +/- delta)`` with ``q +/- delta`` taken as ``b c / (q -/+
    delta)`` where the difference would cancel. No LAPACK call (``scipy.linalg.expm`` makes
    one per matrix); equal to it within a few units of the last place (``tests/thermal``).

    Parameters
    ----------
    m : numpy.ndarray
        Shape (N, 2, 2), real, with ``delta^2 + b c >= 0`` (true of every two-node RC system
        matrix, whose off-diagonal terms have the same sign) [-].

    Returns
    -------
    numpy.ndarray
        Shape (N, 2, 2): ``exp(m[i])`` for every ``i``.
    """
    m = np.asarray(m, dtype=float)
    a, b, c, d = m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1]
    s = 0.5 * (a + d)
    delta = 0.5 * (a - d)
    bc = b * c
    q = np.sqrt(np.maximum(delta * delta + bc, 0.0))
    e1 = np.exp(s - q)  # the fast (more negative) eigenvalue's exponential
    e2 = np.exp(s + q)  # the slow one's
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(q > 0.0, -e2 * np.expm1(-2.0 * q) / (2.0 * q), e2)
        q_plus = np.where(delta < 0.0, bc / (q - delta), q + delta)
        q_minus = np.where(delta > 0.0, bc / (q + delta), q - delta)
    q_plus = np.where(np.isfinite(q_plus), q_plus, 0.0)  # q = delta = 0: b c = 0
    q_minus = np.where(np.isfinite(q_minus), q_minus, 0.0)
    out = np.empty_like(m)
    out[:, 0, 0] = e1 + f * q_plus
    out[:, 1, 1] = e1 + f * q_minus
    out[:, 0, 1] = f * b
    out[:, 1, 0] = f * c
    return out


@dataclass(frozen=True)
class RCStepper:
    """Precomputed exact step of N two-node RC models.

    Attributes
    ----------
    phi : numpy.ndarray
        Shape (N, 2, 2): ``exp(A dt)`` per building.
    ua_w_k : numpy.ndarray
        Heat loss coefficient [W/K], shape (N,).
    hm_w_k : numpy.ndarray
        Air-mass coupling [W/K], shape (N,).
    dt_s : float
        Step [s].
    """

    phi: np.ndarray
    ua_w_k: np.ndarray
    dt_s: float
    hm_w_k: np.ndarray | None = None

    @classmethod
    def build(cls, p: RCParams, dt_s: float) -> RCStepper:
        """Compute ``exp(A dt)`` for every building (once per run), in closed form."""
        return cls(
            phi=expm_2x2(system_matrix(p) * dt_s),
            ua_w_k=np.asarray(p.ua_w_k, float),
            dt_s=float(dt_s),
            hm_w_k=np.asarray(p.hm_w_k, float),
        )

    def step(
        self,
        temp_air_c: np.ndarray,
        temp_mass_c: np.ndarray,
        temp_out_c: float | np.ndarray,
        q_air_w: np.ndarray,
        q_mass_w: np.ndarray | float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Advance one step with constant outdoor temperature and heat inputs.

        Parameters
        ----------
        temp_air_c, temp_mass_c : numpy.ndarray
            Air and mass temperatures at the start of the step [degC].
        temp_out_c : float or numpy.ndarray
            Outdoor temperature over the step [degC].
        q_air_w : numpy.ndarray
            Heat into the air node over the step (heating, heaters, convective gains) [W].
        q_mass_w : numpy.ndarray or float, optional
            Heat into the mass node (radiant share of gains) [W]; none when omitted.

        Returns
        -------
        tuple of numpy.ndarray
            Air and mass temperatures at the end of the step [degC]. Inputs are not modified.
        """
        # the same operations as ``steady_a = To + (q_air + q_mass) / UA``, ``steady_m =
        # steady_a + q_mass / Hm``, ``new = steady + phi @ (T - steady)``, written into fewer
        # fresh arrays (sums and products taken in the same order; a + b is b + a exactly)
        p00, p01, p10, p11 = self._phi_columns
        if q_mass_w is None:
            steady_a = np.divide(q_air_w, self.ua_w_k, dtype=float)
            steady_a += temp_out_c
            steady_m = steady_a
        else:
            steady_a = np.add(q_air_w, q_mass_w, dtype=float)
            steady_a /= self.ua_w_k
            steady_a += temp_out_c
            steady_m = np.divide(q_mass_w, self.hm_w_k, dtype=float)
            steady_m += steady_a
        da = temp_air_c - steady_a
        dm = temp_mass_c - steady_m
        new_a = p00 * da
        new_a += steady_a
        term = p01 * dm
        new_a += term
        new_m = p10 * da
        new_m += steady_m
        np.multiply(p11, dm, out=term)
        new_m += term
        return new_a, new_m

    @cached_property
    def _phi_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``phi[:, 0, 0], phi[:, 0, 1], phi[:, 1, 0], phi[:, 1, 1]``, each contiguous."""
        phi = np.asarray(self.phi, float)
        cells = ((0, 0), (0, 1), (1, 0), (1, 1))
        return tuple(np.ascontiguousarray(phi[:, i, j]) for i, j in cells)


def slow_time_constant_h(p: RCParams) -> np.ndarray:
    """Slow time constant of each building: -1 / (slowest eigenvalue of A) [h]."""
    return -1.0 / eigenvalues_per_s(p)[1] / 3600.0


def fast_time_constant_h(p: RCParams) -> np.ndarray:
    """Fast (air-mass equalisation) time constant of each building [h]."""
    return -1.0 / eigenvalues_per_s(p)[0] / 3600.0

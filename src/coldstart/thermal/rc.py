"""Two-node RC building model (air and mass), exact over a step with constant inputs.

``Ca dTa/dt = UA (To - Ta) + Hm (Tm - Ta) + Qa``;  ``Cm dTm/dt = Hm (Ta - Tm)``
(DESIGN.md, "Buildings"; the structure of GridLAB-D's residential ETP model). The system matrix
does not depend on the inputs, so its matrix exponential over the step is computed once per
building; each step is then a vectorized affine update, with no ODE solver in the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

from coldstart.thermal.archetypes import RCParams


@dataclass(frozen=True)
class RCStepper:
    """Precomputed exact step of N two-node RC models.

    Attributes
    ----------
    phi : numpy.ndarray
        Shape (N, 2, 2): ``exp(A dt)`` per building.
    ua_w_k : numpy.ndarray
        Heat loss coefficient [W/K], shape (N,).
    dt_s : float
        Step [s].
    """

    phi: np.ndarray
    ua_w_k: np.ndarray
    dt_s: float

    @classmethod
    def build(cls, p: RCParams, dt_s: float) -> RCStepper:
        """Compute ``exp(A dt)`` for every building (once per run)."""
        n = len(p.ua_w_k)
        a = np.empty((n, 2, 2))
        a[:, 0, 0] = -(p.ua_w_k + p.hm_w_k) / p.ca_j_k
        a[:, 0, 1] = p.hm_w_k / p.ca_j_k
        a[:, 1, 0] = p.hm_w_k / p.cm_j_k
        a[:, 1, 1] = -p.hm_w_k / p.cm_j_k
        return cls(phi=expm(a * dt_s), ua_w_k=np.asarray(p.ua_w_k, float), dt_s=float(dt_s))

    def step(
        self,
        temp_air_c: np.ndarray,
        temp_mass_c: np.ndarray,
        temp_out_c: float,
        q_air_w: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Advance one step with constant outdoor temperature and heat input.

        Parameters
        ----------
        temp_air_c, temp_mass_c : numpy.ndarray
            Air and mass temperatures at the start of the step [degC].
        temp_out_c : float
            Outdoor temperature over the step [degC].
        q_air_w : numpy.ndarray
            Heat into the air node over the step (heating, people, appliances) [W].

        Returns
        -------
        tuple of numpy.ndarray
            Air and mass temperatures at the end of the step [degC]. Inputs are not modified.
        """
        steady = temp_out_c + q_air_w / self.ua_w_k
        da = temp_air_c - steady
        dm = temp_mass_c - steady
        new_a = steady + self.phi[:, 0, 0] * da + self.phi[:, 0, 1] * dm
        new_m = steady + self.phi[:, 1, 0] * da + self.phi[:, 1, 1] * dm
        return new_a, new_m


def slow_time_constant_h(p: RCParams) -> np.ndarray:
    """Slow time constant of each building: -1 / (slowest eigenvalue of A) [h]."""
    a11 = -(p.ua_w_k + p.hm_w_k) / p.ca_j_k
    a12 = p.hm_w_k / p.ca_j_k
    a21 = p.hm_w_k / p.cm_j_k
    a22 = -p.hm_w_k / p.cm_j_k
    tr = a11 + a22
    det = a11 * a22 - a12 * a21
    slow = tr / 2 + np.sqrt(tr**2 / 4 - det)
    return -1.0 / slow / 3600.0

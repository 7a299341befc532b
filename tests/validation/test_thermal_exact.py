"""Validation: the exact two-node step against an ODE solver, and energy balance over a step."""

import numpy as np
from scipy.integrate import solve_ivp

from coldstart.thermal.archetypes import archetypes, rc_params
from coldstart.thermal.rc import RCStepper, system_matrix


def _typical():
    names = np.array(list(archetypes()))
    area = np.array([a.floor_area_m2 for a in archetypes().values()])
    return rc_params(names, area)


def _inputs(hour, ua):
    """Changing inputs held constant over each hour: outdoor cycle, heat on/off, gains."""
    to = -15.0 - 6.0 * np.cos(2 * np.pi * hour / 24.0)
    heat_on = (hour // 30) % 2 == 0  # 30 h with heat, 30 h without, ...
    q_air = np.where(heat_on, 0.7 * ua * 40.0, 0.0) + 3000.0 * (hour % 7 == 0)
    q_mass = np.where(heat_on, 0.3 * ua * 40.0, 0.0) + 1500.0
    return to, q_air, q_mass


def test_exact_step_matches_solve_ivp_over_a_week_with_changing_inputs():
    # Reference: scipy.integrate.solve_ivp (RK45, rtol 1e-10, atol 1e-8) on the same equations,
    # restarted at every input change. Tolerance 0.01 K over the whole week (issue 3).
    p = _typical()
    n = len(p.ua_w_k)
    stepper = RCStepper.build(p, 600.0)
    ta = np.full(n, 20.0)
    tm = np.full(n, 20.5)
    x = np.concatenate([ta, tm])
    worst = 0.0
    for hour in range(168):
        to, qa, qm = _inputs(hour, p.ua_w_k)
        for _ in range(6):
            ta, tm = stepper.step(ta, tm, to, qa, qm)

        def rhs(_t, y, to=to, qa=qa, qm=qm):
            a, m = y[:n], y[n:]
            da = (p.ua_w_k * (to - a) + p.hm_w_k * (m - a) + qa) / p.ca_j_k
            dm = (p.hm_w_k * (a - m) + qm) / p.cm_j_k
            return np.concatenate([da, dm])

        x = solve_ivp(rhs, (0.0, 3600.0), x, rtol=1e-10, atol=1e-8, method="RK45").y[:, -1]
        worst = max(worst, np.abs(x[:n] - ta).max(), np.abs(x[n:] - tm).max())
    assert worst < 0.01, worst


def test_energy_balance_over_a_step():
    # Stored heat change = heat in - heat lost over the step (first law), to 1e-6 relative.
    # The loss integral UA * integral (Ta - To) dt is computed independently with 4,000
    # trapezoid sub-intervals of the analytic trajectory.
    from scipy.linalg import expm

    p = _typical()
    n = len(p.ua_w_k)
    dt = 3600.0
    stepper = RCStepper.build(p, dt)
    ta0, tm0 = np.full(n, 18.0), np.full(n, 19.0)
    to = -20.0
    qa, qm = 0.4 * p.ua_w_k * 30.0, 0.2 * p.ua_w_k * 30.0
    ta1, tm1 = stepper.step(ta0, tm0, to, qa, qm)
    stored = p.ca_j_k * (ta1 - ta0) + p.cm_j_k * (tm1 - tm0)
    fine = RCStepper(phi=expm(system_matrix(p) * dt / 4000), ua_w_k=p.ua_w_k, dt_s=dt / 4000,
                     hm_w_k=p.hm_w_k)  # fmt: skip
    ts = np.linspace(0.0, dt, 4_001)
    ta_t = np.empty((len(ts), n))
    a, m = ta0, tm0
    ta_t[0] = a
    for j in range(1, len(ts)):
        a, m = fine.step(a, m, to, qa, qm)
        ta_t[j] = a
    np.testing.assert_allclose(a, ta1, atol=1e-9)  # 4,000 small exact steps = one big one
    loss = p.ua_w_k * np.trapezoid(ta_t - to, ts, axis=0)
    heat_in = (qa + qm) * dt
    np.testing.assert_allclose(stored, heat_in - loss, rtol=1e-6)

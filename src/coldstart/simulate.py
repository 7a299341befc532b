"""The runner: ``simulate(city, scenario, seed) -> Result``.

An event queue (strike waves, repairs done, alerts) plus a fixed thermal step. At each step:
damage and repairs change the topology; the grid balances supply against demand per island and
sheds load by rotating queues; the heat network delivers what its working sources can reach;
buildings cool or warm (exact two-node RC step); pipe water cools, is drained or freezes; people
move to shelters; exposure accumulates. The city and scenario are never mutated.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable

import numpy as np
import pandas as pd

from coldstart import __version__
from coldstart.city.model import City
from coldstart.compiled import CompiledCity, compile_city
from coldstart.grid.balance import balance
from coldstart.grid.compile_pp import BRANCH_TABLES
from coldstart.grid.overload import trip_cascade
from coldstart.grid.rotation import Rotation
from coldstart.heat.model import (
    DESIGN_OUTDOOR_C,
    FACILITY_HEAT_LOSS_W_M2K,
    heat_demand_mw_th,
)
from coldstart.heat.network import city_pipe_loss_mw_th
from coldstart.metrics import Exposure, build_result
from coldstart.people.metrics import PeopleTally
from coldstart.people.model import PeopleModel
from coldstart.restore.benefit import HEAT_WEIGHT, OutageState, benefits
from coldstart.restore.repairs import RepairBook
from coldstart.result import Result
from coldstart.scenario.alerts import alert_windows, step_masks
from coldstart.scenario.model import Scenario
from coldstart.scenario.strikes import in_truce, resolve_wave
from coldstart.scenario.weather import outdoor_temperature_c
from coldstart.thermal.freezing import (
    CIRCULATING_WATER_C,
    DRAIN_SIGNAL_C,
    FREEZE_LATENT_KH,
    space_temp_c,
    step_water,
)
from coldstart.thermal.heating import WITHOUT_HEAT_FRACTION, heat_inputs
from coldstart.thermal.rc import RCStepper

REFILL_WORK_H = 2.0
"""Median crew work to refill, bleed and restart a drained building's system [h] (log-normal,
sd of log 0.3). Kyiv, Jan 2026: ~200 crews brought heat back to ~5,000 blocks in 2-3 days,
about 2-3 crew-hours per block with travel and set-up (DESIGN.md); with the warm-up of the flats,
about two days pass before a drained building is warm again."""

FROZEN_REPAIR_WORK_H = 48.0
"""Median crew work to repair the pipes and radiators of a frozen building before refilling
[h] (first estimate; DESIGN.md: a frozen one needs pipe and radiator repair)."""

REFILL_PREFIX = "refill:"
"""Task ids of building refills: ``refill:<building_id>``."""

TRIP_CHECK_H = 2
"""Hours between DC-flow overload checks (and after every change of topology) [h]."""

RESET_PREFIX = "reset:"
"""Task ids of resetting a tripped branch: ``reset:<engine branch position>``."""

CREW_TYPES = ("power_lines", "substations", "heat_network", "plants", "plumbing")
"""Crew types, as named in the scenario's ``[crews]`` table."""

OK, DRAINED, FROZEN = 0, 1, 2
SYSTEM_STATE = {OK: "ok", DRAINED: "drained", FROZEN: "frozen"}


def simulate(
    city: City | CompiledCity,
    scenario: Scenario,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Simulate a scenario on a city.

    Parameters
    ----------
    city : City or CompiledCity
        The city (compiled here if not already).
    scenario : Scenario
        What happens.
    seed : int, optional
        Seed of every random draw; defaults to ``scenario.seed``. Same seed, same Result.
    progress : callable, optional
        Called as ``progress(step, steps)`` after each step.

    Returns
    -------
    Result
    """
    cc = city if isinstance(city, CompiledCity) else compile_city(city)
    seed = scenario.seed if seed is None else int(seed)
    streams = np.random.SeedSequence(seed).spawn(4)
    rng_strike, rng_repair, rng_alert, rng_refill = (np.random.default_rng(s) for s in streams)
    c = cc.city
    steps, dt_h = scenario.steps, scenario.step_h
    temp_out = outdoor_temperature_c(scenario)
    windows = alert_windows(scenario, rng_alert)
    alert_active, crews_stopped = step_masks(windows, steps, dt_h, scenario.alerts.clearance_h)
    start = pd.Timestamp(scenario.start)

    nb, nf = cc.n_build, cc.n_fac
    b = c.buildings
    residents = b.residents.to_numpy(float)
    area = b.floor_area_m2.to_numpy(float)
    design_mw = b.heat_demand_mw_th.to_numpy(float)
    district = cc.b_heat_node >= 0
    electric = cc.b_heat_supply == "electric"
    setpoint = scenario.setpoint_c
    f = c.facilities
    f_district = cc.f_heat_node >= 0
    f_design_mw = np.where(
        f_district,
        FACILITY_HEAT_LOSS_W_M2K
        * f.floor_area_m2.to_numpy(float)
        * (setpoint - DESIGN_OUTDOOR_C)
        / 1e6,
        0.0,
    )
    src = c.heat_sources
    src_cap = src.capacity_mw_th.to_numpy(float)
    pumps = c.pumping_stations

    stepper = RCStepper.build(cc.rc, dt_h * 3600.0)
    stepper_w = RCStepper.build(cc.rc_worst, dt_h * 3600.0)
    ua, ua_w = cc.rc.ua_w_k, cc.rc_worst.ua_w_k
    ta = np.full(nb, setpoint)
    tm = ta.copy()
    ta_w, tm_w = ta.copy(), tm.copy()
    t_water = np.full(nb, CIRCULATING_WATER_C)
    ice = np.zeros(nb)
    sys_state = np.full(nb, OK)
    refill_asked = np.zeros(nb, bool)  # a plumbing crew task is open for this building
    b_index = {bid: i for i, bid in enumerate(b.building_id)}
    back_fuel = {
        "pump": pumps.backup_fuel_h.to_numpy(float) * (pumps.backup_power_kw > 0).to_numpy(),
        "source": src.backup_fuel_h.to_numpy(float) * (src.backup_power_kw > 0).to_numpy(),
    }

    grid = cc.grid
    st = OutageState(
        bus=np.zeros(grid.n_bus, np.int64),
        branch=np.zeros(len(grid.branch_from), np.int64),
        gen=np.zeros(len(grid.gen_label), np.int64),
        source=np.zeros(len(src), np.int64),
        pipe=np.zeros(len(cc.heat.pipe_ids), np.int64),
        pump=np.zeros(len(pumps), np.int64),
    )
    ae = cc.assets
    damaged: dict[str, dict] = {}

    def apply(asset_id: str, sign: int) -> None:
        i = ae.index[asset_id]
        st.counter(ae.ref_table[i])[ae.pos[i]] += sign
        if ae.gen_pos[i] >= 0:
            st.gen[ae.gen_pos[i]] += sign

    events: list[tuple] = []

    def log(t_h: float, kind: str, asset_id: str = "", detail: str = "") -> None:
        events.append((t_h, kind, asset_id, detail))

    queue: list[tuple[float, int, str, object]] = []
    for k, wave in enumerate(scenario.strikes):
        heapq.heappush(queue, (wave.at_h, k, "wave", wave))
    for s, e in windows:
        log(s, "alert_start", "", f"until {e:.2f} h")
        log(e, "alert_end")

    crews = scenario.crews
    book = RepairBook(
        {k: getattr(crews, k) for k in CREW_TYPES},
        policy=scenario.policies.dispatch,
        depot_xy_m=(0.0, 0.0),  # the compiled frame is centred on the city
        speed_kmh=crews.speed_kmh,
        road_factor=crews.road_factor,
        spares={k: (v.stock, v.lead_time_h) for k, v in scenario.spares.items()},
    )
    stock = dict(scenario.interceptors.stock)
    benefit_cache: dict[tuple, float] = {}
    topo_version = 0

    def can_start(task) -> bool:
        if task.asset_id.startswith((REFILL_PREFIX, RESET_PREFIX)):
            return True  # asked only once heat can reach the building
        i = ae.index[task.asset_id]
        b1, b2 = ae.power_node[i], ae.power_node2[i]
        if b1 < 0:
            return True
        return bool(node_on[b1] or (b2 >= 0 and node_on[b2]))

    def task_benefit(tasks) -> np.ndarray:
        ids = [
            t.asset_id for t in tasks if not t.asset_id.startswith((REFILL_PREFIX, RESET_PREFIX))
        ]
        todo = [a for a in ids if (topo_version, a) not in benefit_cache]
        if todo:
            gains = benefits(
                cc, st, todo, residents, back_fuel["pump"] > 0, back_fuel["source"] > 0
            )
            benefit_cache.update({(topo_version, a): g for a, g in zip(todo, gains, strict=True)})
        return np.array(
            [
                HEAT_WEIGHT * residents[b_index[t.asset_id[len(REFILL_PREFIX) :]]]
                if t.asset_id.startswith(REFILL_PREFIX)
                else float(residents.sum())  # a tripped branch: reset at once
                if t.asset_id.startswith(RESET_PREFIX)
                else benefit_cache[(topo_version, t.asset_id)]
                for t in tasks
            ]
        )

    hm = cc.heat_model
    # why district buildings lost heat, per loss episode: plant or boiler damage (source),
    # pipe damage (network), boosters damaged or without power (pumps), or only a combination
    lost_by = {cause: np.zeros(nb, bool) for cause in ("source", "network", "pumps", "several")}
    heat_cause_known = np.zeros(nb, bool)
    valve_closed = ~hm.valve_normally_open
    link_valves = np.flatnonzero(~hm.valve_normally_open & (hm.valve_pipe >= 0))
    pipe_loss: dict[int, np.ndarray] = {}  # per-pipe losses by rounded outdoor temperature

    def open_links(node_part: np.ndarray, src_avail_mw_th: np.ndarray) -> np.ndarray:
        """Normally-closed link valves to open: those joining a part without a working source
        to one with (one district backs another up)."""
        live = np.zeros(int(node_part.max()) + 1, bool)
        live[node_part[hm.source_supply_node[src_avail_mw_th > 0]]] = True
        opened = np.zeros(len(valve_closed), bool)
        for v in link_valves:
            p = hm.valve_pipe[v]
            a, b2 = node_part[hm.branch_from[p]], node_part[hm.branch_to[p]]
            opened[v] = live[a] != live[b2]
        return opened

    rotation = Rotation(seed=int(streams[3].generate_state(1)[0]))
    eng = cc.engine
    tripped: set[int] = set()
    n_trips, max_stage = 0, 0.0
    steps_per_h = max(1, int(round(1.0 / dt_h)))
    a_tab = c.assets.set_index("asset_id")
    src_gen_label = dict(zip(src.source_id, src.gen_id, strict=True))

    def oos_of(asset_id: str) -> list[tuple[str, int]]:
        rt, rid = a_tab.at[asset_id, "ref_table"], a_tab.at[asset_id, "ref_id"]
        if rt.startswith("grid."):
            return [(rt.split(".", 1)[1], int(rid))]
        if rt == "heat_sources" and int(src_gen_label[rid]) >= 0:
            return [("gen", int(src_gen_label[rid]))]
        return []

    def engine_topology():
        """The engine's state for what is broken or tripped now: islands and energized nodes."""
        oos: dict[str, list[int]] = {}
        for aid, d in damaged.items():
            if d["restored_h"] is None:
                for table, label in oos_of(aid):
                    oos.setdefault(table, []).append(label)
        es = eng.state(oos)
        if tripped:
            mask = es.branch_out.copy()
            mask[list(tripped)] = True
            es = dataclasses.replace(es, branch_out=mask)
        label, on, _, _ = eng.islands(es)
        return es, label, on

    def overload_trips(served_mw: np.ndarray, gen_avail_mw: np.ndarray) -> np.ndarray:
        """Branches a DC flow of this hour's served load finds above their rating."""
        n = eng.c.n_node
        p = np.zeros(n)
        np.add.at(p, cons.node, -served_mw)
        n_isl = int(node_island.max()) + 1
        load = np.bincount(node_island[cons.node], weights=served_mw, minlength=n_isl)
        gcap = np.bincount(node_island[cc.gen_node], weights=gen_avail_mw, minlength=n_isl)
        share = np.minimum(1.0, load / np.maximum(gcap, 1e-9))
        np.add.at(p, cc.gen_node, gen_avail_mw * share[node_island[cc.gen_node]])
        rounds, _, _ = trip_cascade(
            eng, eng_state, cc.branch_rating_mw, p, scenario.grid.overload_trip_margin
        )
        return np.concatenate(rounds) if rounds else np.zeros(0, np.int64)

    peak_occ = np.zeros(len(cc.shelter_fac), np.int64)
    people = PeopleModel.build(cc, scenario)
    pstate = people.initial_state()
    tally = PeopleTally(people)

    imp_sched = sorted(scenario.grid.import_schedule)
    base_cap = scenario.grid.national_import_mw
    extra_mw = np.zeros(nb)  # heaters and electric heating, from the previous step [MW]
    ex = Exposure(nb, steps)
    cons = cc.consumers
    sl_b, sl_f = cons.slice("building", nb), cons.slice("facility", nf)
    topo_dirty = True
    crews_were_stopped = paused = False

    for k in range(steps):
        t = k * dt_h
        to = float(temp_out[k])
        while queue and queue[0][0] < t + dt_h - 1e-9:
            at_h, _, _, wave = heapq.heappop(queue)
            if in_truce(scenario, at_h):
                log(at_h, "wave_cancelled", "", f"{wave.name or 'wave'}: inside a truce window")
                continue
            out = resolve_wave(wave, c.assets, rng_strike, stock, scenario.interceptors.when_out)
            for th, n_used in (out.interceptors_used or {}).items():
                if th in stock:
                    stock[th] -= n_used
            detail = ", ".join(
                f"{th}: {out.launched[th]} launched, {out.launched[th] - out.leaked[th]} "
                f"intercepted"
                for th in out.launched
                if out.launched[th]
            )
            log(at_h, "wave", "", f"{wave.name or 'wave'}: {detail or 'explicit hits'}")
            for dmg in out.damage:
                i = ae.index[dmg.asset_id]
                log(at_h, "hit", dmg.asset_id, f"{dmg.threat}: {dmg.state}")
                if dmg.asset_id not in damaged:
                    apply(dmg.asset_id, +1)
                    damaged[dmg.asset_id] = {"state": dmg.state, "hit_h": at_h, "restored_h": None}
                else:
                    damaged[dmg.asset_id].update(state=dmg.state, restored_h=None)
                task = book.add(
                    dmg, ae.kind[i], rng_repair, ae.dn_mm[i], tuple(ae.xy_m[i]), ae.spare_class[i]
                )
                if not np.isfinite(task.remaining_h):
                    log(at_h, "beyond_repair", dmg.asset_id, "not repairable within the horizon")
                topo_dirty = True
        if topo_dirty:  # crews need the current topology for precedence
            eng_state, node_island, node_on = engine_topology()
            topo_dirty = False
            topo_version += 1
        hod_now = (start.hour + start.minute / 60.0 + t) % 24.0
        off_shift = (hod_now - crews.shift_start_h) % 24.0 >= crews.shift_h
        stop_now = bool(crews_stopped[k]) or off_shift
        if stop_now != crews_were_stopped:
            busy = sum(c.task is not None for c in book.crews)
            if stop_now and busy:
                why = "air-raid alert" if crews_stopped[k] else "end of shift"
                log(t, "crews_paused", "", f"{busy} crews stop: {why}")
                paused = True
            elif not stop_now and paused:
                log(t, "crews_resumed", "", f"{busy} crews back at work")
                paused = False
            crews_were_stopped = stop_now
        started, finished, working = book.step(t, dt_h, stop_now, can_start, task_benefit)
        for task in started:
            if task.asset_id.startswith(RESET_PREFIX):
                continue
            if task.asset_id.startswith(REFILL_PREFIX):
                bid = task.asset_id[len(REFILL_PREFIX) :]
                log(t, "refill_start", bid, f"plumbing, {task.work_h:.1f} h of work")
                continue
            log(t, "repair_start", task.asset_id, f"{task.crew_type}, {task.work_h:.1f} h of work")
        for task in finished:
            if task.asset_id.startswith(REFILL_PREFIX):
                i = b_index[task.asset_id[len(REFILL_PREFIX) :]]
                log(task.done_h, "refilled", str(b.building_id.iat[i]), SYSTEM_STATE[sys_state[i]])
                sys_state[i] = OK
                refill_asked[i] = False
                t_water[i] = CIRCULATING_WATER_C
                ice[i] = 0.0
                continue
            if task.asset_id.startswith(RESET_PREFIX):
                tripped.discard(int(task.asset_id[len(RESET_PREFIX) :]))
                log(task.done_h, "trip_reset", task.asset_id[len(RESET_PREFIX) :], "")
                topo_dirty = True
                continue
            log(task.done_h, "repair_end", task.asset_id, task.state)
            apply(task.asset_id, -1)
            damaged[task.asset_id]["restored_h"] = task.done_h
            topo_dirty = True
        if topo_dirty:
            eng_state, node_island, node_on = engine_topology()
            topo_dirty = False
            topo_version += 1

        # --- grid: demand with temperature dependence and heaters, then the balance ----------
        cold = 1.0 + scenario.grid.demand_per_c_below_0 * max(0.0, -to)
        demand = cons.p_mw * np.where(cons.group <= 1, cold, 1.0)
        demand[sl_b] += extra_mw
        gen_avail = cc.gen_cap_mw * (st.gen == 0)
        cap = base_cap if base_cap is not None else np.inf
        for from_h, mw in imp_sched:
            if t >= from_h:
                cap = mw
        bal = balance(
            node_island, node_on, cons.node, demand, cons.queue, cc.gen_node, gen_avail,
            cc.ext_node, cap, rotation, t,
        )  # fmt: skip
        max_stage = max(max_stage, bal.stage_queues)
        if scenario.grid.overload_trips and k % (TRIP_CHECK_H * steps_per_h) == 0:
            new = overload_trips(demand * bal.served, gen_avail)
            for pos in new:
                tripped.add(int(pos))
                label = f"{BRANCH_TABLES[eng.c.br_kind[pos]]} {int(eng.c.br_label[pos])}"
                log(t, "trip", str(int(pos)), f"{label} overloaded (DC flow)")
                book.add_task(
                    RESET_PREFIX + str(int(pos)), "power_lines", scenario.grid.trip_reset_h, t,
                    tuple(cc.b_xy_m.mean(axis=0)),
                )  # fmt: skip
            if len(new):
                n_trips += len(new)
                eng_state, node_island, node_on = engine_topology()
                topo_version += 1
        powered = bal.served >= 0.999
        b_power = powered[sl_b]

        def on_backup(kind: str, grid_ok: np.ndarray) -> np.ndarray:
            fuel = back_fuel[kind]
            use = ~grid_ok & (fuel > 0)
            fuel[use] = np.maximum(0.0, fuel[use] - dt_h)
            return grid_ok | use

        pump_ok = (st.pump == 0) & on_backup("pump", powered[cc.pump_consumer])
        chp_running = np.zeros(len(src), bool)
        has_gen = cc.src_gen_pos >= 0
        chp_running[has_gen] = st.gen[cc.src_gen_pos[has_gen]] == 0
        aux_ok = powered[cc.src_aux_consumer] | chp_running
        src_ok = (st.source == 0) & on_backup("source", aux_ok)

        # --- heat network ----------------------------------------------------------------------
        takes_water = district & (sys_state == OK)
        b_dem = heat_demand_mw_th(design_mw, to, setpoint) * takes_water
        f_dem = heat_demand_mw_th(f_design_mw, to, setpoint) * f_district
        cons_dem = np.concatenate([b_dem[district], f_dem[f_district]])
        t_key = round(to)
        if t_key not in pipe_loss:
            pipe_loss[t_key] = city_pipe_loss_mw_th(c.heat_pipes, float(t_key))
        ok = hm.branch_ok(pipe_out=st.pipe > 0, valve_closed=valve_closed, pump_off=~pump_ok)
        src_avail = src_cap * src_ok
        res = hm.solve_arrays(ok, src_avail, cons_dem, pipe_loss[t_key])
        if scenario.policies.link_valves == "open_on_source_loss" and len(link_valves):
            opened = open_links(res.node_part, src_avail)
            if opened.any():
                ok = hm.branch_ok(
                    pipe_out=st.pipe > 0, valve_closed=valve_closed & ~opened, pump_off=~pump_ok
                )
                res = hm.solve_arrays(ok, src_avail, cons_dem, pipe_loss[t_key])
        frac_all = res.fraction
        nd = int(district.sum())
        frac = np.zeros(nb)
        frac[district] = frac_all[:nd] * takes_water[district]
        frac[~district] = b_power[~district].astype(float)
        f_heat = np.ones(nf)
        f_heat[f_district] = frac_all[nd:]
        # a building whose node a working source reaches (even short of capacity) circulates
        connected = np.zeros(nb, bool)
        connected[district] = res.supplied[:nd]
        heat_cause_known &= ~connected  # a new loss after heat came back is a new episode
        lost = district & ~connected & ~heat_cause_known & (sys_state == OK)
        if lost.any():
            # why: a cause counts when fixing everything else would still leave the building
            # without heat (it is necessary); a building can lose heat through several causes
            all_src = src_cap  # every source repaired and powered
            trials = (
                ("source", hm.branch_ok(valve_closed=valve_closed), src_avail),
                ("network", hm.branch_ok(pipe_out=st.pipe > 0, valve_closed=valve_closed),
                 all_src),
                ("pumps", hm.branch_ok(valve_closed=valve_closed, pump_off=~pump_ok), all_src),
            )  # fmt: skip
            any_cause = np.zeros(nb, bool)
            for cause, ok_try, avail_try in trials:
                sup = np.zeros(nb, bool)
                sup[district] = hm.solve_arrays(ok_try, avail_try, cons_dem).supplied[:nd]
                lost_by[cause] |= lost & ~sup
                any_cause |= lost & ~sup
            lost_by["several"] |= lost & ~any_cause
            heat_cause_known |= lost

        # --- heat into homes (people at home from the previous step) ---------------------------
        people_home = pstate.people_home
        h = heat_inputs(
            ua, ua_w, ta, ta_w, to, frac, people_home, area, b_power, electric,
            setpoint, scenario.grid.heater_kw_per_resident,
        )  # fmt: skip
        extra_mw = h.grid_extra_mw
        ta, tm = stepper.step(ta, tm, to, h.q_air_w, h.q_mass_w)
        ta_w, tm_w = stepper_w.step(ta_w, tm_w, to, h.q_air_worst_w, h.q_mass_worst_w)

        # --- pipe water: drain signal and freezing (district buildings) -------------------------
        policy = scenario.policies.drain
        circulating = (
            district
            & (sys_state == OK)
            & ((frac > 0) | ((policy == "keep_circulating") & connected))
        )
        t_water, ice = step_water(t_water, ice, circulating, space_temp_c(to, ta), dt_h)
        live = district & (sys_state == OK)
        if policy == "drain_at_signal":
            drain = live & ~circulating & (t_water <= DRAIN_SIGNAL_C)
            for i in np.flatnonzero(drain):
                log(t + dt_h, "drain", str(b.building_id.iat[i]), "water at the +5 degC signal")
            sys_state[drain] = DRAINED
        freeze = live & (sys_state == OK) & (ice >= FREEZE_LATENT_KH)
        for i in np.flatnonzero(freeze):
            log(t + dt_h, "freeze", str(b.building_id.iat[i]), "water froze in unheated pipes")
        sys_state[freeze] = FROZEN
        # a drained or frozen system gets a plumbing crew once its node could get heat again
        ask = (sys_state != OK) & ~refill_asked & connected
        for i in np.flatnonzero(ask):
            median = REFILL_WORK_H + (FROZEN_REPAIR_WORK_H if sys_state[i] == FROZEN else 0.0)
            book.add_task(
                REFILL_PREFIX + str(b.building_id.iat[i]),
                "plumbing",
                median * float(np.exp(0.3 * rng_refill.standard_normal())),
                t + dt_h,
                tuple(cc.b_xy_m[i]),
            )
        refill_asked |= ask

        # --- people and shelters ---------------------------------------------------------------
        sh = cc.shelter_fac
        pstate = people.step(
            pstate, t, to, ta, powered[sl_f][sh], f_heat[sh], bool(alert_active[k])
        )
        for ev in pstate.events:
            log(*ev)
        people_home = pstate.people_home
        occupancy = pstate.occupancy
        peak_occ = np.maximum(peak_occ, occupancy)
        prow = tally.add(pstate, ta, dt_h)

        ex.add(
            k=k,
            dt_h=dt_h,
            temp_air_c=ta,
            temp_worst_c=ta_w,
            heat_frac=frac,
            has_power=b_power,
            residents=residents,
            heat_need_mw=heat_demand_mw_th(design_mw, to, setpoint),
        )
        ex.timeline.append(
            {
                "time": (start + pd.Timedelta(hours=t)).round("s").isoformat(),
                "hours": round(t, 4),
                "temp_outdoor_c": round(to, 2),
                "buildings_without_heat": int((frac < WITHOUT_HEAT_FRACTION).sum()),
                "people_without_heat": float(residents[frac < WITHOUT_HEAT_FRACTION].sum()),
                "buildings_without_power": int((~b_power).sum()),
                "people_without_power": float(residents[~b_power].sum()),
                "people_below_12c": float(people_home[ta < 12.0].sum()),
                "people_in_shelters": int(occupancy.sum()),
                "load_demand_mw": round(bal.demand_mw, 3),
                "load_served_mw": round(bal.served_mw, 3),
                "heat_served_mw_th": round(float((cons_dem * frac_all).sum()), 3),
                "crews_working": int(working),
                "alert_active": bool(alert_active[k]),
                "queues_off": bal.queues_off,
                "heat_loss_mw_th": round(float(res.loss_mw_th), 3),
                "stage_queues": bal.stage_queues,
                "emergency_queues_off": bal.emergency_off,
                "branches_tripped": len(tripped),
                **prow,
            }
        )
        ex.energy_not_served_mwh += (bal.demand_mw - bal.served_mw) * dt_h
        if progress is not None:
            progress(k + 1, steps)

    first_hit = min((d["hit_h"] for d in damaged.values()), default=None)
    return build_result(
        cc=cc,
        scenario=scenario,
        seed=seed,
        ex=ex,
        events=events,
        damaged=damaged,
        sys_state=sys_state,
        shelter_peak=peak_occ,
        schedule=rotation.closed_schedule(scenario.horizon_h),
        first_hit_h=first_hit,
        version=__version__,
        people=tally,
        extra_summary={
            "branch_trips": n_trips,
            "max_stage_queues": max_stage,
            **{f"buildings_lost_heat_{cause}": int(mask.sum()) for cause, mask in lost_by.items()},
        },
    )

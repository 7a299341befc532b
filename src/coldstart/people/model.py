"""The people model: residents at home by hour, shelters opening and failing, who goes where.

``PeopleModel.build(compiled_city, scenario)`` compiles once; the runner then calls
``state = model.step(state, t_h, temp_out_c, temp_air_c, shelter_grid_power,
shelter_heat_fraction, alert_active)`` every thermal step. Each step:

1. generators are refilled every ``refuel_every_h`` (not during alerts unless allowed); a shelter
   has power from the grid or, once open, from its generator while fuel lasts;
2. shelters open by the city's rule (``declared`` at ``shelters_open_h``, or ``nearby_cold``
   when the homes within walking distance are on average below ``open_below_c``);
3. every shelter's temperature advances by the same exact RC step as homes
   (:mod:`coldstart.people.stock`), heated while it has power (and district heat, for schools);
4. a shelter works while open, powered and not colder than ``shelter_close_below_c`` (it
   reopens above ``shelter_reopen_above_c``); one that stops working empties at once;
5. every ``decide_every_h`` people re-decide: those present (not at work) in a home below
   ``leave_below_c`` want a shelter (a share rising per degree, never the immobile); people
   already in a shelter keep their place while they still want one; newcomers go to the nearest
   working shelter with room within ``walk_limit_km``, coldest homes first and vulnerable
   residents first within a home, overflow to the next nearest; who finds none stays home and
   is counted as unmet demand.

The state is a frozen dataclass; ``step`` returns a new one and never modifies its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from coldstart.people.config import People, people_config
from coldstart.people.residents import Residents, at_home_profile, present, wanting_shelter
from coldstart.people.shelter import (
    ShelterIndex,
    agent_entries,
    deferred_acceptance,
)
from coldstart.people.stock import ShelterStock, step_shelter_temps

EVENT_KINDS = ("shelter_open", "shelter_fail", "shelter_back", "fuel_out", "refuel")
"""Kinds of event the people model logs (``events.csv`` kind column)."""


@dataclass(frozen=True)
class PeopleState:
    """Where everyone is after a step (arrays are never modified once made).

    Attributes
    ----------
    t_h : float
        Start of the step just taken [h since start].
    held : numpy.ndarray of int, shape (2 * nnz,)
        People per (agent, shelter-within-walk) entry; agents are (building, group) with group
        0 = mobile non-vulnerable, 1 = mobile vulnerable (``PeopleModel.ent_*``).
    want : numpy.ndarray of int, shape (2 * n_buildings,)
        People per agent who want a shelter (at the last decision).
    occupancy, occupancy_vulnerable : numpy.ndarray of int, shape (n_shelters,)
        People (and vulnerable people) in each shelter.
    people_home, vulnerable_home : numpy.ndarray, shape (n_buildings,)
        People (and vulnerable people, immobile included) at home.
    unmet : numpy.ndarray of int, shape (2 * n_buildings,)
        People per agent who want a shelter and have none.
    sheltered : numpy.ndarray of int, shape (2 * n_buildings,)
        People per agent in a shelter.
    walk_person_km : float
        Sum over sheltered people of their walk from home [person km].
    temp_air_c, temp_mass_c : numpy.ndarray, shape (n_shelters,)
        Shelter air and mass temperatures at the end of the step [degC].
    fuel_h : numpy.ndarray
        Generator fuel left [h of running].
    opened, works, powered, cold_closed : numpy.ndarray of bool
        Opened by the city; taking people in; with power; closed because too cold.
    next_decision_h, last_refuel_h : float
    events : tuple of (hours, kind, facility_id, detail)
        What happened in this step.
    held_nz : numpy.ndarray of int or None
        Positions of the entries of ``held`` that hold someone, kept so the next step need not
        search them again; None when not known (set it to None when replacing ``held``).
    hour : int
        Hour of day (0-23) whose presence profile gave ``people_home`` and ``vulnerable_home``
        (-1 when they did not come from :meth:`PeopleModel.step`): the next step in the same
        hour with the same people in shelters keeps them.
    """

    t_h: float
    held: np.ndarray
    want: np.ndarray
    occupancy: np.ndarray
    occupancy_vulnerable: np.ndarray
    people_home: np.ndarray
    vulnerable_home: np.ndarray
    unmet: np.ndarray
    sheltered: np.ndarray
    walk_person_km: float
    temp_air_c: np.ndarray
    temp_mass_c: np.ndarray
    fuel_h: np.ndarray
    opened: np.ndarray
    works: np.ndarray
    powered: np.ndarray
    cold_closed: np.ndarray
    next_decision_h: float
    last_refuel_h: float
    events: tuple = ()
    held_nz: np.ndarray | None = None  # entries of ``held`` holding someone (None: not kept)
    hour: int = -1  # hour of day of the people at home (-1: not from a step's rule)

    @property
    def n_buildings(self) -> int:
        """Number of buildings."""
        return len(self.people_home)

    def per_building(self, agent_values: np.ndarray) -> np.ndarray:
        """Sum an agent array (general + vulnerable) per building."""
        n = self.n_buildings
        return agent_values[:n] + agent_values[n:]

    @property
    def unmet_people(self) -> np.ndarray:
        """People per building who want a shelter and have none."""
        return self.per_building(self.unmet)

    @property
    def wanting_people(self) -> np.ndarray:
        """People per building who want a shelter."""
        return self.per_building(self.want)

    @property
    def people_in_shelters(self) -> int:
        """People in all shelters."""
        return int(self.occupancy.sum())


@dataclass(frozen=True)
class _ShelterStep:
    """What happened to the shelters in one step, before people move (steps 1-4).

    Attributes
    ----------
    fuel_h : numpy.ndarray
        Generator fuel left at the end of the step [h of running].
    last_refuel_h : float
        Time of the last fuel delivery [h since start].
    opened, powered, works, cold_closed : numpy.ndarray of bool
        Opened by the city; with power; taking people in; closed because too cold.
    stopped : numpy.ndarray of bool
        Worked before the step and no longer does (its people go home).
    temp_air_c, temp_mass_c : numpy.ndarray
        Shelter air and mass temperatures at the end of the step [degC].
    events : tuple of (hours, kind, facility_id, detail)
        Refuel, opening, fuel-out, failure and back-in-service events, in that order.
    """

    fuel_h: np.ndarray
    last_refuel_h: float
    opened: np.ndarray
    powered: np.ndarray
    temp_air_c: np.ndarray
    temp_mass_c: np.ndarray
    cold_closed: np.ndarray
    works: np.ndarray
    stopped: np.ndarray
    events: tuple


def home_rank(temp_air_c: np.ndarray, agents: np.ndarray | None = None) -> np.ndarray:
    """Priority of agents (general of every building, then vulnerable) by home temperature.

    The same order as ``priority_rank(concatenate([ta, ta]), repeat([1, 0], n))``: coldest home
    first, among equal temperatures the vulnerable before the others, then by agent number.
    Listing the agents vulnerable first, each group by agent number, makes one stable sort by
    temperature give that order.

    Parameters
    ----------
    temp_air_c : numpy.ndarray, shape (n,)
        Home air temperature of every building [degC] (no NaN).
    agents : numpy.ndarray of int, optional
        The agents to rank among themselves (increasing; agent ``a`` lives in building
        ``a % n``, vulnerable when ``a >= n``); default all ``2 n``.

    Returns
    -------
    numpy.ndarray of int, shape (len(agents),)
        Rank of each agent (0 goes first).
    """
    n = len(temp_air_c)
    agents = np.arange(2 * n) if agents is None else agents
    m = len(agents)
    k = int(np.searchsorted(agents, n))  # general agents [:k], vulnerable [k:]
    pre = np.r_[np.arange(k, m), np.arange(k)]
    order = pre[np.argsort(temp_air_c[agents[pre] % n], kind="stable")]
    rank = np.empty(m, np.int64)
    rank[order] = np.arange(m)
    return rank


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted union of two increasing integer arrays (``np.union1d``, by one merge)."""
    both = np.concatenate([a, b])
    both.sort(kind="stable")  # a merge of the two sorted runs
    keep = np.ones(len(both), bool)
    keep[1:] = both[1:] != both[:-1]
    return both[keep]


@dataclass(frozen=True)
class PeopleModel:
    """Compiled people and shelters of one city under one scenario's ``[people]`` rules.

    Build with :meth:`build` (from a compiled city) or :meth:`from_arrays`.
    """

    cfg: People
    dt_h: float
    start_hour: float
    residents: Residents
    profile: tuple[np.ndarray, np.ndarray]
    index: ShelterIndex
    stock: ShelterStock
    ent_start: np.ndarray
    ent_end: np.ndarray
    ent_shelter: np.ndarray
    ent_km: np.ndarray
    ent_agent: np.ndarray
    nearby: sparse.csr_matrix  # (n_shelters, n_buildings), residents weights, rows sum to 1

    @property
    def n_buildings(self) -> int:
        """Number of buildings."""
        return len(self.residents.general)

    @property
    def n_shelters(self) -> int:
        """Number of shelters."""
        return self.stock.n

    @classmethod
    def build(cls, compiled_city, scenario) -> PeopleModel:
        """Compile the people model of ``compiled_city`` (a ``CompiledCity``) for ``scenario``.

        Shelters are the facilities ``compiled_city.shelter_fac`` (kinds metro_station,
        school, warming_point with ``capacity_people > 0``), in that order.
        """
        cc = compiled_city
        b = cc.city.buildings
        start = pd.Timestamp(scenario.start)
        return cls.from_arrays(
            building_xy_m=cc.b_xy_m,
            residents=b.residents.to_numpy(float),
            vulnerable_share=b.vulnerable_share.to_numpy(float),
            immobile_share=b.immobile_share.to_numpy(float),
            shelters=cc.city.facilities.iloc[cc.shelter_fac],
            shelter_xy_m=cc.shelter_xy_m,
            cfg=people_config(scenario.people),
            dt_h=scenario.step_h,
            start_hour=start.hour + start.minute / 60.0,
        )

    @classmethod
    def from_arrays(
        cls,
        building_xy_m: np.ndarray,
        residents: np.ndarray,
        vulnerable_share: np.ndarray,
        immobile_share: np.ndarray,
        shelters: pd.DataFrame,
        shelter_xy_m: np.ndarray,
        cfg: People | None = None,
        dt_h: float = 1.0 / 6.0,
        start_hour: float = 0.0,
    ) -> PeopleModel:
        """Compile from plain arrays (positions in a local metric projection [m]).

        ``shelters`` has the facilities columns ``facility_id, kind, capacity_people,
        floor_area_m2, backup_power_kw, backup_fuel_h, heat_supply``.
        """
        cfg = cfg or People()
        res = Residents.from_table(residents, vulnerable_share, immobile_share)
        nb = len(res.general)
        index = ShelterIndex.build(building_xy_m, shelter_xy_m, cfg.walk_limit_km)
        stock = ShelterStock.build(shelters.reset_index(drop=True), dt_h)
        agents = np.concatenate([np.arange(nb), np.arange(nb)])
        start, end, ent_shelter = agent_entries(index.indptr, index.shelter, agents)
        ent_km = np.concatenate([index.entry_km, index.entry_km])
        ent_agent = np.repeat(np.arange(2 * nb), end - start)
        w = sparse.csr_matrix(
            (res.total[index.building], (index.shelter, index.building)), shape=(stock.n, nb)
        )
        tot = np.asarray(w.sum(axis=1)).ravel()
        nearby = sparse.diags(np.where(tot > 0, 1.0 / np.maximum(tot, 1e-12), 0.0)) @ w
        return cls(
            cfg=cfg,
            dt_h=float(dt_h),
            start_hour=float(start_hour),
            residents=res,
            profile=at_home_profile(cfg),
            index=index,
            stock=stock,
            ent_start=start,
            ent_end=end,
            ent_shelter=ent_shelter,
            ent_km=ent_km,
            ent_agent=ent_agent,
            nearby=sparse.csr_matrix(nearby),
        )

    def initial_state(self) -> PeopleState:
        """Everyone at home, shelters at their target temperature and full of fuel, closed."""
        n, nb = self.n_shelters, self.n_buildings
        g, v, imm = present(self.residents, self.start_hour, self.profile)
        return PeopleState(
            t_h=0.0,
            held=np.zeros(len(self.ent_shelter), np.int64),
            want=np.zeros(2 * nb, np.int64),
            occupancy=np.zeros(n, np.int64),
            occupancy_vulnerable=np.zeros(n, np.int64),
            people_home=g + v + imm,
            vulnerable_home=v + imm,
            unmet=np.zeros(2 * nb, np.int64),
            sheltered=np.zeros(2 * nb, np.int64),
            walk_person_km=0.0,
            temp_air_c=self.stock.target_c.copy(),
            temp_mass_c=self.stock.target_c.copy(),
            fuel_h=self.stock.tank_h.copy(),
            opened=np.zeros(n, bool),
            works=np.zeros(n, bool),
            powered=np.ones(n, bool),
            cold_closed=np.zeros(n, bool),
            next_decision_h=0.0,
            last_refuel_h=0.0,
        )

    def step(
        self,
        state: PeopleState,
        t_h: float,
        temp_out_c: float,
        temp_air_c: np.ndarray,
        shelter_grid_power: np.ndarray,
        shelter_heat_fraction: np.ndarray,
        alert_active: bool = False,
    ) -> PeopleState:
        """Advance people and shelters over the step starting at ``t_h``.

        Parameters
        ----------
        state : PeopleState
            The state after the previous step (or :meth:`initial_state`).
        t_h : float
            Start of this step [h since the scenario start].
        temp_out_c : float
            Outdoor temperature over the step [degC].
        temp_air_c : numpy.ndarray, shape (n_buildings,)
            Home air temperature [degC] (decides who wants a shelter).
        shelter_grid_power : numpy.ndarray of bool, shape (n_shelters,)
            The shelter's grid connection is energized (generators are handled here).
        shelter_heat_fraction : numpy.ndarray, shape (n_shelters,)
            Share of its heat demand the district network delivers [-]; ignored for shelters
            with their own heating.
        alert_active : bool
            An air-raid alert is on (fuel deliveries wait unless ``refuel_during_alerts``).

        Returns
        -------
        PeopleState
        """
        supply = (np.asarray(shelter_grid_power, bool), shelter_heat_fraction, alert_active)
        sh = self._shelter_step(state, t_h, temp_out_c, temp_air_c, supply)
        g, v, imm = present(self.residents, self.start_hour + t_h, self.profile)
        moved = self._people_step(state, sh, t_h, temp_air_c, g, v)
        held, want, next_decision, changed, nz, (per_agent, occupancy, occ_v) = moved
        walk = self._walk(held, nz) if changed else state.walk_person_km
        hour = int(np.floor(self.start_hour + t_h)) % 24  # the profile's hour, as present()
        if per_agent is state.sheltered and hour == state.hour:
            # the same people in shelters (no one moved: the counts kept their array) in the
            # same hour
            people_home, home_v = state.people_home, state.vulnerable_home
        else:
            nb = self.n_buildings
            home_g = np.maximum(0.0, g - per_agent[:nb])
            home_v = np.maximum(0.0, v - per_agent[nb:]) + imm
            people_home = home_g + home_v
        same_unmet = want is state.want and per_agent is state.sheltered
        return PeopleState(
            t_h=float(t_h),
            held=held,
            want=want,
            occupancy=occupancy,
            occupancy_vulnerable=occ_v,
            people_home=people_home,
            vulnerable_home=home_v,
            unmet=state.unmet if same_unmet else np.maximum(0, want - per_agent),
            sheltered=per_agent,
            walk_person_km=walk,
            temp_air_c=sh.temp_air_c,
            temp_mass_c=sh.temp_mass_c,
            fuel_h=sh.fuel_h,
            opened=sh.opened,
            works=sh.works,
            powered=sh.powered,
            cold_closed=sh.cold_closed,
            next_decision_h=float(next_decision),
            last_refuel_h=float(sh.last_refuel_h),
            events=sh.events,
            held_nz=nz,
            hour=hour,
        )

    def _shelter_step(
        self, state: PeopleState, t_h: float, temp_out_c: float, temp_air_c: np.ndarray, supply
    ) -> _ShelterStep:
        """Steps 1-4 of :meth:`step`: fuel, opening, power, temperatures, which shelters work.

        ``supply`` is ``(grid power per shelter, district heat fraction per shelter, alert on)``.
        """
        grid, shelter_heat_fraction, alert_active = supply
        fuel, last_refuel, ev_refuel = self._refuel(state, t_h, alert_active)
        opened, ev_open = self._open(state.opened, t_h, temp_air_c)
        powered, fuel_left, ev_fuel = self._power(opened, grid, fuel, t_h)
        # shelter temperatures (people inside during the step: the previous occupancy);
        # district heat reaches a school without power (hydraulic elevator substations of Soviet
        # buildings need no pumps); own heating (metro ventilation, heaters) needs power
        st = self.stock
        heat = np.where(st.district, np.clip(shelter_heat_fraction, 0.0, 1.0), powered)
        ta, tm = step_shelter_temps(
            st, state.temp_air_c, state.temp_mass_c, temp_out_c, state.occupancy, heat, powered
        )
        cold, works, ev_works = self._working(state, opened, powered, heat, ta, t_h)
        return _ShelterStep(
            fuel_h=fuel_left,
            last_refuel_h=last_refuel,
            opened=opened,
            powered=powered,
            temp_air_c=ta,
            temp_mass_c=tm,
            cold_closed=cold,
            works=works,
            stopped=state.works & ~works,
            events=tuple(ev_refuel + ev_open + ev_fuel + ev_works),
        )

    def _refuel(
        self, state: PeopleState, t_h: float, alert_active: bool
    ) -> tuple[np.ndarray, float, list[tuple]]:
        """Fuel deliveries due at ``t_h``: fuel left, time of the last delivery, events."""
        cfg, st = self.cfg, self.stock
        fuel = state.fuel_h.copy()
        last_refuel = state.last_refuel_h
        events: list[tuple] = []
        if (
            cfg.refuel_every_h is not None
            and t_h - last_refuel >= cfg.refuel_every_h - 1e-9
            and (cfg.refuel_during_alerts or not alert_active)
        ):
            for i in (fuel < st.tank_h).nonzero()[0]:
                detail = f"{st.tank_h[i] - fuel[i]:.1f} h of fuel"
                events.append((t_h, "refuel", st.facility_id[i], detail))
            fuel = st.tank_h.copy()
            last_refuel = t_h
        return fuel, last_refuel, events

    def _open(
        self, opened: np.ndarray, t_h: float, temp_air_c: np.ndarray
    ) -> tuple[np.ndarray, list[tuple]]:
        """Shelters opened by the city's rule (``declared`` or ``nearby_cold``), and events."""
        cfg, st = self.cfg, self.stock
        opened = opened.copy()
        events: list[tuple] = []
        if t_h >= cfg.shelters_open_h - 1e-9:
            if cfg.open_when == "declared":
                rule = np.ones(st.n, bool)
            else:
                mean_c = self.nearby @ np.asarray(temp_air_c, float)
                has = np.diff(self.nearby.indptr) > 0
                rule = has & (mean_c < cfg.open_below_c)
            for i in (rule & ~opened).nonzero()[0]:
                events.append((t_h, "shelter_open", st.facility_id[i], st.kind[i]))
            opened |= rule
        return opened, events

    def _power(
        self, opened: np.ndarray, grid: np.ndarray, fuel: np.ndarray, t_h: float
    ) -> tuple[np.ndarray, np.ndarray, list[tuple]]:
        """Power from the grid or generators of open shelters: powered, fuel left, events."""
        dt = self.dt_h
        on_gen = opened & ~grid & (fuel > 0)
        powered = grid | on_gen
        fuel_left = np.where(on_gen, np.maximum(0.0, fuel - dt), fuel)
        events = [
            (t_h + dt, "fuel_out", self.stock.facility_id[i], "generator fuel ran out")
            for i in (on_gen & (fuel_left <= 0)).nonzero()[0]
        ]
        return powered, fuel_left, events

    def _working(
        self,
        state: PeopleState,
        opened: np.ndarray,
        powered: np.ndarray,
        heat: np.ndarray,
        ta: np.ndarray,
        t_h: float,
    ) -> tuple[np.ndarray, np.ndarray, list[tuple]]:
        """Closed for cold (with hysteresis), working shelters, and fail/back events."""
        cfg, fid, dt = self.cfg, self.stock.facility_id, self.dt_h
        cold = np.where(
            state.cold_closed, ta < cfg.shelter_reopen_above_c, ta < cfg.shelter_close_below_c
        )
        works = opened & (powered | (heat > 0)) & ~cold
        events: list[tuple] = []
        for i in (state.works & ~works).nonzero()[0]:
            why = "no heat and no power" if cold[i] == state.cold_closed[i] else "too cold"
            events.append((t_h + dt, "shelter_fail", fid[i], f"{why} ({ta[i]:.1f} degC)"))
        for i in (state.opened & ~state.works & works).nonzero()[0]:
            events.append((t_h + dt, "shelter_back", fid[i], f"{ta[i]:.1f} degC"))
        return cold, works, events

    def _people_step(
        self,
        state: PeopleState,
        sh: _ShelterStep,
        t_h: float,
        temp_air_c: np.ndarray,
        g: np.ndarray,
        v: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, float, bool, np.ndarray | None, tuple]:
        """Step 5 of :meth:`step`: empty stopped shelters, re-decide when due.

        Returns the places held, who wants a shelter, the next decision time, whether the
        places changed, the entries holding someone (known whenever the places changed, else
        the state's) and the counts of the places: people per agent, people and vulnerable
        people per shelter. The counts are the state's, moved by the people who left or came
        (:meth:`_moved`; the same arrays when no one did).
        """
        held, nz = state.held, state.held_nz
        counts = (state.sheltered, state.occupancy, state.occupancy_vulnerable)
        changed = bool(sh.stopped.any())
        if changed:  # send home the people of shelters that stopped (only entries held count)
            nz = held.nonzero()[0] if nz is None else nz
            stays = sh.works[self.ent_shelter[nz]]
            if not stays.all():
                gone = nz[~stays]
                counts = self._moved(counts, gone, -held[gone])
                held = held.copy()
                held[gone] = 0
                nz = nz[stays]
        want = state.want
        next_decision = state.next_decision_h
        if t_h >= next_decision - 1e-9:
            want_g, want_v = wanting_shelter(g, v, temp_air_c, self.cfg)
            want = np.concatenate([want_g, want_v])
            held, nz, counts = self._keep_nearest(held, want, nz, counts)
            changed = True
            need = want - counts[0]
            if need.any():  # (``held`` is the fresh array of _keep_nearest: add in place)
                ent, people = self._place(need, sh.works, temp_air_c, counts[1])
                held[ent] += people
                nz = _union(nz, ent)
                counts = self._moved(counts, ent, people)
            every = self.cfg.decide_every_h
            missed = int(np.floor((t_h - next_decision) / every + 1e-9))
            next_decision += every * (missed + 1)
        return held, want, next_decision, changed, nz, counts

    def _place(
        self, need: np.ndarray, works: np.ndarray, temp_air_c: np.ndarray, occupancy: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Newcomers: nearest working shelter with room (``occupancy``: people per shelter
        already), coldest homes first.

        Only the entries of agents with ``need`` to shelters with free places can take anyone
        (a full or closed shelter turns everyone down, and deferred acceptance then moves the
        agent on to its next entry), so the assignment runs on those entries alone: the same
        unique stable outcome on a few per cent of the table.

        Returns
        -------
        entries, people : numpy.ndarray of int
            The entries that take newcomers (increasing) and how many each takes.
        """
        free = np.maximum(np.where(works, self.stock.capacity_people - occupancy, 0), 0)
        ent = self._open_entries(free, need)
        agent = self.ent_agent[ent]  # non-decreasing: entries are grouped by agent
        first = np.ones(len(ent), bool)
        first[1:] = agent[1:] != agent[:-1]
        start = first.nonzero()[0]
        agents = agent[start]
        end = np.empty_like(start)
        end[:-1], end[-1:] = start[1:], len(ent)
        placed = deferred_acceptance(
            self.index.indptr,
            self.index.shelter,
            agents % self.n_buildings,
            need[agents],
            home_rank(np.asarray(temp_air_c, float), agents),  # only proposers are compared
            free,
            (start, end, self.ent_shelter[ent], np.cumsum(first) - 1),
        )
        take = placed.nonzero()[0]
        return ent[take], placed[take]

    def _open_entries(self, free: np.ndarray, need: np.ndarray) -> np.ndarray:
        """The entries (increasing) of the agents with ``need`` to the shelters with ``free``
        places."""
        a = need.nonzero()[0]
        lo = self.ent_start[a]
        lens = self.ent_end[a] - lo
        off = np.cumsum(lens) - lens
        ent = np.repeat(lo - off, lens) + np.arange(int(lens.sum()))
        return ent[(free > 0)[self.ent_shelter[ent]]]

    def _walk(self, held: np.ndarray, nz: np.ndarray) -> float:
        """Sum over the people in shelters of their walk from home [person km] (``nz``: the
        entries of ``held`` holding someone, increasing).

        A NumPy sum over the entries holding someone, not a BLAS dot product over all (whose
        thread pool stalls a loaded machine, and whose rounding depends on it).
        """
        return float((held[nz] * self.ent_km[nz]).sum())

    def _moved(self, counts: tuple, ent: np.ndarray, people: np.ndarray) -> tuple:
        """``counts`` (people per agent, people and vulnerable people per shelter) with
        ``people`` more at the entries ``ent`` (fewer where negative): new arrays, the same as
        counting the places again (integer counts). Returns ``counts`` itself when ``ent``
        is empty."""
        if not len(ent):
            return counts
        per_agent, occupancy, occ_v = (c.copy() for c in counts)
        np.add.at(per_agent, self.ent_agent[ent], people)
        shelter = self.ent_shelter[ent]
        np.add.at(occupancy, shelter, people)
        v = ent >= len(self.ent_agent) // 2  # entries of the vulnerable agents come second
        np.add.at(occ_v, shelter[v], people[v])
        return per_agent, occupancy, occ_v

    def _keep_nearest(
        self, held: np.ndarray, want: np.ndarray, nz: np.ndarray | None, counts: tuple
    ) -> tuple[np.ndarray, np.ndarray, tuple]:
        """Send home everyone beyond ``want`` per agent, farthest shelter first.

        Works on the entries holding someone (``nz``, increasing; found when None): the people
        ahead of an entry are those of its agent's nearer entries, and empty entries add none
        (integer counts: the same sums as over every entry). Returns the places kept (a new
        array), the entries still holding someone and ``counts`` (of :meth:`_moved`) without
        the people sent home.
        """
        nz = held.nonzero()[0] if nz is None else nz
        h = held[nz]
        agent = self.ent_agent[nz]  # entries are grouped by agent, nearest shelter first
        before = np.cumsum(h) - h
        first = np.ones(len(nz), bool)
        first[1:] = agent[1:] != agent[:-1]
        ahead = before - before[first][np.cumsum(first) - 1]
        kept = np.clip(want[agent] - ahead, 0, h)
        out = np.zeros_like(held)
        out[nz] = kept
        home = kept < h
        counts = self._moved(counts, nz[home], kept[home] - h[home])
        return out, nz[kept > 0], counts

"""pandapipes networks in and out: loading the shipped heat networks, and compiling a net.

pandapipes is imported lazily (only here and only when called): the runner never needs it.

Loading. ``pandapipes.networks.schutterwald_heat()`` and the small OpenModelica heat-transfer
nets are JSON files read with pandapower's JSON decoder. pandapipes 0.16 pins pandapower 3.3.3;
with a newer pandapower (3.5 passes a ``skip_checks`` argument the pandapipes registry does not
accept) those functions return a plain dict. :func:`load_heat_network` calls the pandapipes
function and, when it does not return a net, repeats exactly what it does with a registry that
accepts the extra argument (then loads the water properties from pandapipes' library).
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pandas as pd

WATER_CP_J_KGK = 4190.0
"""Specific heat of water at 60-80 degC [J/(kg K)] (IAPWS; 4.18-4.20 kJ/(kg K))."""

SMALL_HEAT_NETWORKS = (
    "heat_transfer_delta",
    "heat_transfer_delta_2sinks",
    "heat_transfer_heights",
    "heat_transfer_one_pipe",
    "heat_transfer_one_source",
    "heat_transfer_section_variation",
    "heat_transfer_t_cross",
    "heat_transfer_two_pipes",
)
"""The small heat-transfer networks of ``pandapipes.networks`` (OpenModelica test cases)."""


def _json_net(path: str):
    """Read a pandapipes JSON file whatever the installed pandapower (see the module notes)."""
    import pandapipes
    from pandapipes.io.convert_format import convert_format
    from pandapipes.io.file_io import PPJSONDecoder
    from pandapipes.io.io_utils import FromSerializableRegistryPpipe

    class _Registry(FromSerializableRegistryPpipe):
        def __init__(self, obj, d, hook, ignore_unknown_objects=False, omit_modules=None, **_):
            super().__init__(obj, d, hook, ignore_unknown_objects, omit_modules)

    with open(path) as f:
        net = json.loads(f.read(), cls=PPJSONDecoder, registry_class=_Registry)
    convert_format(net)
    pandapipes.create_fluid_from_lib(net, "water", overwrite=True)
    return net


def _usable(net) -> bool:
    try:
        from pandapipes import pandapipesNet

        return isinstance(net, pandapipesNet) and hasattr(net.fluid, "get_density")
    except Exception:  # noqa: BLE001 - any failure means: load it ourselves
        return False


def load_heat_network(name: str = "schutterwald_heat"):
    """A heat network shipped with pandapipes, by the name of its ``pandapipes.networks`` function.

    Parameters
    ----------
    name : str
        ``"schutterwald_heat"`` (default arguments: 70 degC flow, ambient 261.15 K) or one of
        :data:`SMALL_HEAT_NETWORKS`.

    Returns
    -------
    pandapipes.pandapipesNet
    """
    import pandapipes
    import pandapipes.networks as pn
    from pandapipes.networks.simple_heat_transfer_networks import heat_tranfer_modelica_path

    if name != "schutterwald_heat" and name not in SMALL_HEAT_NETWORKS:
        raise KeyError(f"unknown heat network {name!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            net = getattr(pn, name)()
        except Exception:  # noqa: BLE001 - the pandapower mismatch shows up as various errors
            net = None
        if _usable(net):
            return net
        if name == "schutterwald_heat":
            # what pandapipes.networks.schutterwald_heat() does (pandapipes 0.16), defaults
            net = _json_net(
                os.path.join(pandapipes.pp_dir, "networks", "network_files", "sw_heat.json")
            )
            net.circ_pump_pressure.t_flow_k = 70.0 + 273.15
            net.pipe["u_w_per_m2k"] = 1.0
            net.pipe["diameter_m"] = 0.1  # as pandapipes 0.16 does; the pipe model reads
            # inner_diameter_mm, so this has no effect there either
            net.pipe["k_mm"] = 0.05
            net.pipe["text_k"] = net.user_pf_options["ambient_temperature"]
            return net
        fname = name.removeprefix("heat_transfer_") + ".json"
        return _json_net(os.path.join(heat_tranfer_modelica_path, fname))


def _col(df: pd.DataFrame, name: str, default) -> np.ndarray:
    return df[name].to_numpy() if name in df.columns else np.full(len(df), default)


def _table(net, name: str) -> pd.DataFrame:
    return net[name] if name in net and len(net[name]) else pd.DataFrame()


def consumer_demand_mw_th(net) -> pd.Series:
    """Nominal heat demand of each heat consumer [MW_th] on ``net.heat_consumer.index``.

    ``qext_w`` when given, else ``controlled_mdot_kg_per_s * c_p * deltat_k``; 0 when neither.
    """
    hc = _table(net, "heat_consumer")
    if hc.empty:
        return pd.Series(dtype=float)
    q = _col(hc, "qext_w", np.nan).astype(float)
    alt = _col(hc, "controlled_mdot_kg_per_s", np.nan).astype(float) * WATER_CP_J_KGK
    alt = alt * _col(hc, "deltat_k", np.nan).astype(float)
    q = np.where(np.isfinite(q), q, np.where(np.isfinite(alt), alt, 0.0))
    return pd.Series(q / 1e6, index=hc.index)


def _sides(net, branch_from, branch_to, branch_ok, n_node, pos, supply, ret):
    """Which junctions lie on the flow side (reached from a supply junction without passing
    consumers or pumps), for nominal temperatures."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    f, t = branch_from[branch_ok], branch_to[branch_ok]
    part = connected_components(
        coo_matrix((np.ones(len(f)), (f, t)), shape=(n_node, n_node)), directed=False
    )[1]
    flow_parts = set(part[supply]) - set(part[ret])
    return np.isin(part, list(flow_parts))


def nominal_temperatures_c(net) -> tuple[float, float, float]:
    """Nominal flow, return and ambient temperatures of a pandapipes heat net [degC].

    Flow: the mean ``t_flow_k`` of the circulation pumps (or ``t_k`` of the external grids).
    Return: flow minus the demand-weighted temperature drop of the heat consumers (``deltat_k``,
    ``treturn_k`` or ``qext_w / (mdot c_p)``). Ambient: the net's ``ambient_temperature``.
    """
    t_flow = []
    for name, col in (
        ("circ_pump_pressure", "t_flow_k"),
        ("circ_pump_mass", "t_flow_k"),
        ("ext_grid", "t_k"),
    ):
        tb = _table(net, name)
        if not tb.empty:
            t_flow += list(tb[col].astype(float))
    flow_c = float(np.mean(t_flow)) - 273.15 if t_flow else 60.0
    hc = _table(net, "heat_consumer")
    drop = 0.0
    if not hc.empty:
        q = consumer_demand_mw_th(net).to_numpy() * 1e6
        mdot = _col(hc, "controlled_mdot_kg_per_s", np.nan).astype(float)
        dt = _col(hc, "deltat_k", np.nan).astype(float)
        tr = _col(hc, "treturn_k", np.nan).astype(float) - 273.15
        dt = np.where(np.isfinite(dt), dt, flow_c - tr)
        dt = np.where(np.isfinite(dt), dt, q / (mdot * WATER_CP_J_KGK))
        ok = np.isfinite(dt)
        drop = float(np.average(dt[ok], weights=np.maximum(q[ok], 1e-9))) if ok.any() else 0.0
    return flow_c, flow_c - drop, _ambient_c(net)


def _ambient_c(net) -> float:
    opts = net["user_pf_options"] if "user_pf_options" in net else {}
    return float(opts.get("ambient_temperature", 293.15)) - 273.15


def _pipe_params(net, ambient_c: float | None):
    """Length [m], U [W/(m2 K)], outer diameter [m] and surrounding temperature [degC] of
    every pipe (pandapipes' pipe model: outer diameter, or inner when not given)."""
    p = _table(net, "pipe")
    d_out = _col(p, "outer_diameter_mm", np.nan).astype(float)
    d_in = _col(p, "inner_diameter_mm", np.nan).astype(float)
    if "inner_diameter_mm" not in p.columns and "diameter_m" in p.columns:
        d_in = p["diameter_m"].to_numpy(float) * 1000.0
    d = np.where(np.isfinite(d_out), d_out, d_in) / 1000.0
    amb = _ambient_c(net) if ambient_c is None else float(ambient_c)
    text_c = _col(p, "text_k", np.nan).astype(float) - 273.15
    text_c = (
        np.where(np.isfinite(text_c), text_c, amb) if ambient_c is None else np.full(len(p), amb)
    )
    length = _col(p, "length_km", 0.0).astype(float) * 1000.0
    return length, _col(p, "u_w_per_m2k", 0.0).astype(float), d, text_c


def consumer_flows(net) -> tuple[np.ndarray, np.ndarray]:
    """Mass flow [kg/s] and temperature drop [K] of every consumer of
    :func:`model_arrays` (heat consumers, heat exchangers, sinks), at nominal conditions."""
    m, drop = [], []
    flow_c, return_c, _ = nominal_temperatures_c(net)
    hc = _table(net, "heat_consumer")
    if not hc.empty:
        q = consumer_demand_mw_th(net).to_numpy() * 1e6
        mdot = _col(hc, "controlled_mdot_kg_per_s", np.nan).astype(float)
        dt = _col(hc, "deltat_k", np.nan).astype(float)
        tr = _col(hc, "treturn_k", np.nan).astype(float) - 273.15
        dt = np.where(np.isfinite(dt), dt, flow_c - tr)
        mdot = np.where(np.isfinite(mdot), mdot, q / (WATER_CP_J_KGK * dt))
        dt = np.where(np.isfinite(dt), dt, q / (mdot * WATER_CP_J_KGK))
        m += list(mdot)
        drop += list(dt)
    hx = _table(net, "heat_exchanger")
    if not hx.empty:
        m += [np.nan] * len(hx)
        drop += [np.nan] * len(hx)
    sk = _table(net, "sink")
    if not sk.empty:
        m += list(sk["mdot_kg_per_s"].astype(float))
        drop += [0.0] * len(sk)
    return np.asarray(m, float), np.asarray(drop, float)


def tree_pipe_loss_mw_th(net, a: dict, ambient_c: float | None = None) -> np.ndarray:
    """Heat loss of every pipe of the intact net by the tree temperature model [MW_th]
    (:func:`coldstart.heat.network.tree_pipe_loss_w` at the consumers' nominal flows; NaN for
    pipes closing a loop). ``a``: the arrays of :func:`model_arrays`."""
    from coldstart.heat.network import tree_pipe_loss_w

    length, u, d, text_c = _pipe_params(net, ambient_c)
    n_pipe = len(length)
    nb = len(a["branch_from"])
    k = np.zeros(nb)
    k[:n_pipe] = np.nan_to_num(u * np.pi * d * length)
    surround = np.zeros(nb)
    surround[:n_pipe] = text_c
    ok = np.ones(nb, bool)
    ok[:n_pipe] = a["pipe_in_service"]
    n_v = len(a["valve_ids"])
    closed = ~a["valve_normally_open"]
    ok[n_pipe : n_pipe + n_v] = ~closed & (a["valve_pipe"] < 0)
    ok[a["valve_pipe"][closed & (a["valve_pipe"] >= 0)]] = False
    m, drop = consumer_flows(net)
    use = np.isfinite(m)
    flow_c, _, _ = nominal_temperatures_c(net)
    two_sided = not np.array_equal(a["source_supply_node"], a["source_return_node"])
    loss, _ = tree_pipe_loss_w(
        len(a["node_ids"]), a["branch_from"], a["branch_to"], ok, k, surround,
        a["source_supply_node"], flow_c, a["consumer_from_node"][use], m[use],
        a["source_return_node"] if two_sided else None,
        a["consumer_to_node"][use] if two_sided else None,
        drop[use] if two_sided else None,
    )  # fmt: skip
    return loss[:n_pipe] / 1e6


def _pipe_ends(p: pd.DataFrame, pos: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """From and to node of every pipe."""
    pf = pos.loc[p["from_junction"]].to_numpy(np.int64) if len(p) else np.zeros(0, np.int64)
    pt = pos.loc[p["to_junction"]].to_numpy(np.int64) if len(p) else np.zeros(0, np.int64)
    return pf, pt


def _valve_ends(
    v: pd.DataFrame, p: pd.DataFrame, pos: pd.Series
) -> tuple[list[int], list[int], list[int]]:
    """From node, to node and closed pipe (position, or -1) of every valve.

    Junction-element valves (pandapipes >= 0.12) or from/to junctions (older); a valve on a
    pipe end is a self-loop at its junction that stops the pipe when closed.
    """
    vf, vt, vpipe = [], [], []
    for _, row in v.iterrows():
        if "et" in v.columns:
            a = int(pos[row["junction"]])
            if row["et"] == "ju":
                vf.append(a)
                vt.append(int(pos[row["element"]]))
                vpipe.append(-1)
            else:  # on a pipe end: closing it stops the pipe
                vf.append(a)
                vt.append(a)
                vpipe.append(int(p.index.get_loc(row["element"])))
        else:
            vf.append(int(pos[row["from_junction"]]))
            vt.append(int(pos[row["to_junction"]]))
            vpipe.append(-1)
    return vf, vt, vpipe


def _pass_through_ends(net, pos: pd.Series) -> tuple[list, list]:
    """From and to nodes of the in-service branch elements that are never switched."""
    ef, et_ = [], []
    for name in ("heat_exchanger", "flow_control", "pressure_control", "pump"):
        tb = _table(net, name)
        if tb.empty:
            continue
        ok = _col(tb, "in_service", True).astype(bool)
        fj, tj = tb["from_junction"][ok], tb["to_junction"][ok]
        ef += list(pos.loc[fj])
        et_ += list(pos.loc[tj])
    return ef, et_


def _sources(net, pos: pd.Series) -> tuple[list[str], list, list]:
    """Ids, supply nodes and return nodes of in-service circulation pumps and external grids."""
    s_ids, s_sup, s_ret = [], [], []
    for name, fcol, rcol in (
        ("circ_pump_pressure", "flow_junction", "return_junction"),
        ("circ_pump_mass", "flow_junction", "return_junction"),
        ("ext_grid", "junction", "junction"),
    ):
        tb = _table(net, name)
        if tb.empty:
            continue
        tb = tb[_col(tb, "in_service", True).astype(bool)]
        s_ids += [f"{name}_{i}" for i in tb.index]
        s_sup += list(pos.loc[tb[fcol]])
        s_ret += list(pos.loc[tb[rcol]])
    return s_ids, s_sup, s_ret


def _consumers(net, pos: pd.Series) -> tuple[list, list, list, list]:
    """Ids, from nodes, to nodes and demands [MW_th] of heat consumers, exchangers, sinks."""
    c_ids, c_from, c_to, c_dem = [], [], [], []
    hc = _table(net, "heat_consumer")
    if not hc.empty:
        c_ids += list(hc.index)
        c_from += list(pos.loc[hc["from_junction"]])
        c_to += list(pos.loc[hc["to_junction"]])
        c_dem += list(consumer_demand_mw_th(net))
    hx = _table(net, "heat_exchanger")
    if not hx.empty:
        c_ids += [f"hex_{i}" for i in hx.index]
        c_from += list(pos.loc[hx["from_junction"]])
        c_to += list(pos.loc[hx["to_junction"]])
        c_dem += list(hx["qext_w"].astype(float) / 1e6)
    sk = _table(net, "sink")
    if not sk.empty:
        c_ids += [f"sink_{i}" for i in sk.index]
        c_from += list(pos.loc[sk["junction"]])
        c_to += list(pos.loc[sk["junction"]])
        c_dem += [0.0] * len(sk)
    return c_ids, c_from, c_to, c_dem


def _nominal_pipe_loss(
    net, ambient_c: float | None, flow_side: np.ndarray, pf: np.ndarray
) -> np.ndarray:
    """Wall loss of every pipe [MW_th] at the nominal flow (flow side) or return temperature."""
    from coldstart.heat.losses import pipe_wall_loss_mw_th

    flow_c, return_c, _ = nominal_temperatures_c(net)
    t_fluid = np.where(flow_side[pf], flow_c, return_c)
    length, u, d, text_c = _pipe_params(net, ambient_c)
    return pipe_wall_loss_mw_th(length, u, d, t_fluid, text_c)


def model_arrays(net, ambient_c: float | None = None, loss_model: str = "tree") -> dict:
    """The arrays of a :class:`coldstart.heat.engine.HeatModel` for a pandapipes net.

    - nodes: ``net.junction.index`` (out-of-service junctions cut every branch they touch);
    - branches: ``net.pipe`` (labels ``net.pipe.index``), then ``net.valve`` (labels
      ``net.valve.index``; ``opened`` is the normal state; a junction-to-pipe valve closes its
      pipe), then the branch elements that carry flow through without being switched
      (heat exchangers, flow controls, pressure controls, branch pumps);
    - sources: circulation pumps (supply = flow junction, return = return junction) and
      external grids (both at their junction), unlimited capacity;
    - consumers: ``net.heat_consumer`` (from = ``from_junction``, to = ``to_junction``), then
      heat exchangers (``"hex_<index>"``) and sinks (``"sink_<index>"``, from = to = junction).

    Pipe losses (``loss_model``): ``"tree"`` (default) -- the tree temperature model
    (:func:`tree_pipe_loss_mw_th`) with the net's ``u_w_per_m2k`` and outer diameter (inner when
    not given) against each pipe's ``text_k`` (or ``ambient_c``), nominal for pipes closing a
    loop; ``"nominal"`` -- :func:`coldstart.heat.losses.pipe_wall_loss_mw_th` at the nominal
    flow temperature on the flow side and the nominal return temperature on the return side
    (:func:`nominal_temperatures_c`).
    """
    j = net.junction
    pos = pd.Series(np.arange(len(j)), index=j.index)
    p, v = _table(net, "pipe"), _table(net, "valve")
    pf, pt = _pipe_ends(p, pos)
    j_ok = j["in_service"].to_numpy(bool)
    pipe_in = _col(p, "in_service", True).astype(bool) & j_ok[pf] & j_ok[pt]
    vf, vt, vpipe = _valve_ends(v, p, pos)
    ef, et_ = _pass_through_ends(net, pos)
    branch_from = np.concatenate([pf, np.asarray(vf, np.int64), np.asarray(ef, np.int64)])
    branch_to = np.concatenate([pt, np.asarray(vt, np.int64), np.asarray(et_, np.int64)])
    s_ids, s_sup, s_ret = _sources(net, pos)
    c_ids, c_from, c_to, c_dem = _consumers(net, pos)
    valve_ok = _col(v, "opened", True).astype(bool)
    ok = np.concatenate(
        [pipe_in, valve_ok & (np.asarray(vpipe, np.int64) < 0), np.ones(len(ef), bool)]
    )
    flow_side = _sides(net, branch_from, branch_to, ok, len(j), pos, s_sup, s_ret)
    nominal = _nominal_pipe_loss(net, ambient_c, flow_side, pf)
    out = {
        "node_ids": pd.Index(j.index),
        "branch_from": branch_from,
        "branch_to": branch_to,
        "pipe_ids": pd.Index(p.index),
        "pipe_in_service": pipe_in,
        "pipe_loss_mw_th": np.nan_to_num(nominal) * pipe_in,
        "valve_ids": pd.Index(v.index),
        "valve_normally_open": valve_ok,
        "valve_pipe": np.asarray(vpipe, np.int64),
        "pump_ids": pd.Index([]),
        "pump_branch": np.zeros(0, np.int64),
        "source_ids": pd.Index(s_ids),
        "source_supply_node": np.asarray(s_sup, np.int64),
        "source_return_node": np.asarray(s_ret, np.int64),
        "source_capacity_mw_th": np.full(len(s_ids), np.inf),
        "consumer_ids": pd.Index(c_ids),
        "consumer_from_node": np.asarray(c_from, np.int64),
        "consumer_to_node": np.asarray(c_to, np.int64),
        "consumer_demand_mw_th": np.asarray(c_dem, float),
    }
    tree = tree_pipe_loss_mw_th(net, out, ambient_c)
    loss = np.where(np.isfinite(tree), tree, nominal) if loss_model == "tree" else nominal
    out["pipe_loss_mw_th"] = np.nan_to_num(loss) * pipe_in
    return out


def pipeflow_supplied(net) -> pd.Series | None:
    """Consumers pandapipes supplies: run ``pipeflow`` (sequential hydraulics and heat) and
    mark each heat consumer with a finite, non-zero mass flow.

    Works on the net in place (results tables); returns a Series on ``net.heat_consumer.index``
    (or, for a net of sinks, on ``"sink_<index>"``). None when the pipeflow raises (does not
    converge, or finds every node out of service): no answer to compare with.
    """
    import pandapipes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pandapipes.pipeflow(net, mode="sequential")
            ok = True
        except Exception:  # noqa: BLE001 - PipeflowNotConverged and friends
            ok = False
    if not ok:
        return None
    if len(_table(net, "heat_consumer")):
        idx = net.heat_consumer.index
        m = net.res_heat_consumer["mdot_from_kg_per_s"].reindex(idx).to_numpy(float)
    else:
        idx = pd.Index([f"sink_{i}" for i in net.sink.index])
        m = net.res_sink["mdot_kg_per_s"].to_numpy(float)
    return pd.Series(np.isfinite(m) & (np.abs(m) > 1e-9), index=idx)


def pipeflow_loss_mw_th(net) -> float:
    """Network heat loss in a solved pandapipes net [MW_th]: heat put in by the circulation
    pumps (or carried in by external grids) minus heat taken by consumers.

    For a circulation pump, ``qext_w`` of ``res_circ_pump_*`` is what it adds; the consumers
    take ``qext_w`` of ``res_heat_consumer``. For an external-grid net, the sum over pipes of
    ``mdot c_p (T_in - T_out)``.
    """
    put = 0.0
    for name in ("circ_pump_pressure", "circ_pump_mass"):
        res = _table(net, "res_" + name)
        if not res.empty:
            put += float(np.nansum(res["qext_w"]))
    if put:
        taken = (
            float(np.nansum(net.res_heat_consumer["qext_w"])) if "res_heat_consumer" in net else 0.0
        )
        return (put - taken) / 1e6
    r = net.res_pipe
    m = r["mdot_from_kg_per_s"].to_numpy(float)
    t_in = np.where(m >= 0, r["t_from_k"], r["t_to_k"])
    t_out = (
        r["t_outlet_k"].to_numpy(float)
        if "t_outlet_k" in r
        else np.where(m >= 0, r["t_to_k"], r["t_from_k"])
    )
    cp = net.fluid.get_heat_capacity(np.asarray(t_in, float))
    return float(np.nansum(np.abs(m) * cp * (t_in - t_out))) / 1e6


def hydraulic_params(net):
    """The :class:`coldstart.heat.hydraulics.HydraulicParams` of a pandapipes net, positions as
    in :meth:`coldstart.heat.engine.HeatModel.from_pandapipes`.

    Pipes: ``length_km``, ``inner_diameter_mm`` (``diameter_m`` in older nets), ``k_mm``,
    ``loss_coefficient``; valves: ``inner_diameter_mm``, ``loss_coefficient``; junction heights
    (and the ambient pressure there); water density and viscosity from the net's fluid at the
    junctions' ``tfluid_k`` (what ``pipeflow(mode="hydraulics")`` uses), averaged over each
    branch's ends as pandapipes does;
    sources: ``p_flow_bar`` and ``plift_bar`` of the circulation pumps, ``p_bar`` (no lift) of
    the external grids. ``circ_pump_mass`` sources are not supported.
    """
    from pandapipes.component_models.component_toolbox import p_correction_height_air

    from coldstart.heat.hydraulics import HydraulicParams

    if len(_table(net, "circ_pump_mass")):
        raise ValueError("hydraulics: circ_pump_mass sources are not supported")
    j = net.junction
    pos = pd.Series(np.arange(len(j)), index=j.index)
    t_node = j["tfluid_k"].to_numpy(float)
    fluid = net.fluid
    p, v = _table(net, "pipe"), _table(net, "valve")
    pf, pt = _pipe_ends(p, pos)
    vf, vt, _ = _valve_ends(v, p, pos)
    bf = np.concatenate([pf, np.asarray(vf, np.int64)])
    bt = np.concatenate([pt, np.asarray(vt, np.int64)])
    rho = (fluid.get_density(t_node[bf]) + fluid.get_density(t_node[bt])) / 2.0
    eta = fluid.get_viscosity((t_node[bf] + t_node[bt]) / 2.0)
    d_in = _col(p, "inner_diameter_mm", np.nan).astype(float) / 1000.0
    if "inner_diameter_mm" not in p.columns and "diameter_m" in p.columns:
        d_in = p["diameter_m"].to_numpy(float)
    p_flow, plift, s_rho = [], [], []
    cp = _table(net, "circ_pump_pressure")
    if not cp.empty:
        cp = cp[_col(cp, "in_service", True).astype(bool)]
        p_flow += list(cp["p_flow_bar"].astype(float))
        plift += list(cp["plift_bar"].astype(float))
        t_ret = t_node[pos.loc[cp["return_junction"]].to_numpy()]
        s_rho += list(
            (fluid.get_density(t_ret) + fluid.get_density(cp["t_flow_k"].to_numpy(float))) / 2
        )
    eg = _table(net, "ext_grid")
    if not eg.empty:
        eg = eg[_col(eg, "in_service", True).astype(bool)]
        p_flow += list(eg["p_bar"].astype(float))
        plift += [0.0] * len(eg)
        s_rho += list(fluid.get_density(t_node[pos.loc[eg["junction"]].to_numpy()]))
    return HydraulicParams(
        pipe_length_m=_col(p, "length_km", 0.0).astype(float) * 1000.0,
        pipe_diameter_m=d_in,
        pipe_k_mm=_col(p, "k_mm", 0.0).astype(float),
        pipe_loss_coefficient=_col(p, "loss_coefficient", 0.0).astype(float),
        valve_diameter_m=(
            _col(v, "inner_diameter_mm", np.nan).astype(float) / 1000.0
            if "inner_diameter_mm" in v.columns
            else _col(v, "diameter_m", 0.1).astype(float)
        ),
        valve_loss_coefficient=_col(v, "loss_coefficient", 0.0).astype(float),
        rho_kg_per_m3=np.asarray(rho, float),
        eta_pa_s=np.asarray(eta, float),
        node_height_m=_col(j, "height_m", 0.0).astype(float),
        node_p_amb_bar=p_correction_height_air(_col(j, "height_m", 0.0).astype(float)),
        source_p_flow_bar=np.asarray(p_flow, float),
        source_plift_bar=np.asarray(plift, float),
        source_rho_kg_per_m3=np.asarray(s_rho, float),
    )


def hydraulic_consumer_mdot(net) -> np.ndarray:
    """Mass flow [kg/s] each consumer of :meth:`HeatModel.from_pandapipes` draws in
    ``pipeflow(mode="hydraulics")``: the heat consumers' ``controlled_mdot_kg_per_s`` (else
    from their demand, see :func:`consumer_flows`); heat exchangers and sinks 0."""
    m, _ = consumer_flows(net)
    n_hc = len(_table(net, "heat_consumer"))
    out = np.zeros(len(m))
    out[:n_hc] = np.nan_to_num(m[:n_hc])
    return out

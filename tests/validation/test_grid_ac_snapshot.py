"""AC check of a simulation snapshot of the synthetic city with pandapower's ``runpp``.

Snapshot: the 80-building sample city after a strike on one HV/MV substation (its MV busbar
out), with rotating outages at stage 2 (4 of 12 sub-queues dark, ``coldstart.grid.rotation``)
and the DC engine's energized buses. Reference: ``pandapower.runpp`` (Newton-Raphson, default
tolerance 1e-8 MVA) must converge on the energized part, and no line may be loaded above 100 %
of its rating (``res_line.loading_percent``; tolerance none). Our DC flows must match the AC
active power flows on lines within 10 % of the rating (DC ignores losses and reactive power).
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd

from coldstart.grid import GridModel
from coldstart.grid.rotation import Rotation
from coldstart.grid.snapshot import snapshot_net


def test_snapshot_runpp_converges_within_ratings(small_city):
    city = small_city
    net = city.net
    sub = city.assets[city.assets.kind == "hv_substation"].iloc[0]
    out = {"bus": [int(sub.ref_id)]}
    model = GridModel.from_pandapower(net)
    dc = model.dc_power_flow(out)
    assert 0 < (~dc.energized_bus).sum() < len(net.bus)  # the strike cut something, not all
    off = Rotation(seed=1).step(0.0, stage=2.0)
    b = city.buildings
    queue_pos = b.outage_queue.map({f"{q}.{s}": 2 * (q - 1) + s - 1
                                    for q in range(1, 7) for s in (1, 2)})  # fmt: skip
    dark = off[queue_pos.to_numpy()]
    served = pd.Series(np.where(dark, 0.0, b.p_mw.to_numpy()), index=b.building_id)
    by_name = net.load.reset_index().set_index("name")["index"]
    served.index = by_name.loc[served.index].to_numpy()
    snap = snapshot_net(net, out, served_load_mw=served)
    pp.runpp(snap)
    assert snap.converged
    live = snap.res_line.p_from_mw.notna() & snap.line.in_service
    assert live.sum() > 0
    assert snap.res_line.loading_percent[live].max() <= 100.0
    # DC against AC on the same snapshot: the engine's flows within 10 % of each line's rating
    dc_snap = GridModel.from_pandapower(snap).dc_power_flow()
    rating = np.sqrt(3) * snap.bus.vn_kv.loc[snap.line.from_bus].to_numpy() * snap.line.max_i_ka
    both = live & dc_snap.line_p_from_mw.notna()
    assert both.sum() > 0
    diff = (dc_snap.line_p_from_mw - snap.res_line.p_from_mw)[both].abs()
    assert (diff <= 0.10 * rating[both]).all()

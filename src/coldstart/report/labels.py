"""Plain labels and units of the headline figures (every key of ``summary.json``).

Each row of the report's headline table reads as a sentence fragment with its unit; the raw key
is only in the row's tooltip. A test keeps this table complete against ``data/outputs.toml``.
The health thresholds named in the labels (18 °C WHO minimum, 16 °C respiratory risk, 12 °C
cardiovascular strain, 5 °C hypothermia risk) are the exposure ladder of the runner
[WHO-2018][COLLINS-1986].
"""

from __future__ import annotations

SUMMARY_FORMAT: dict[str, tuple[str, str, int | None]] = {
    "buildings_total": ("Buildings in the city", "buildings", 0),
    "residents_total": ("Residents", "people", 0),
    "buildings_lost_heat": ("Buildings that lost heat", "buildings", 0),
    "blocks_total": ("Apartment blocks on district heating", "blocks", 0),
    "blocks_lost_heat": ("Blocks whose district heating stopped", "blocks", 0),
    "blocks_without_heat_peak": ("Most blocks without heat at once", "blocks", 0),
    "buildings_lost_power": ("Buildings that lost power", "buildings", 0),
    "peak_people_without_heat": ("Most people without heat at once", "people", 0),
    "peak_people_without_power": ("Most people without power at once", "people", 0),
    "energy_not_served_mwh": ("Electricity not served", "MWh", 1),
    "heat_not_served_mwh_th": ("Heat not served", "MWh_th", 1),
    "hours_to_restore_heat_95pct": ("Time until 95 % have heat again", "h", 1),
    "hours_to_restore_power_95pct": ("Time until 95 % have power again", "h", 1),
    "buildings_drained": ("Buildings whose heating had to be drained", "buildings", 0),
    "buildings_frozen": ("Buildings whose heating froze", "buildings", 0),
    "min_temp_c": ("Lowest indoor temperature of any building", "°C", 1),
    "assets_damaged": ("Assets damaged", "assets", 0),
    "assets_restored": ("Damaged assets back in service at the end", "assets", 0),
    "seed": ("Random seed of the run", "", None),
    "person_hours_below_18c": ("Time spent below 18 °C (WHO minimum)", "person-hours", 0),
    "vulnerable_person_hours_below_18c": ("… of it by vulnerable people", "person-hours", 0),
    "person_hours_below_16c": ("Time spent below 16 °C (respiratory risk)", "person-hours", 0),
    "vulnerable_person_hours_below_16c": ("… of it by vulnerable people", "person-hours", 0),
    "person_hours_below_12c": ("Time spent below 12 °C (heart strain)", "person-hours", 0),
    "vulnerable_person_hours_below_12c": ("… of it by vulnerable people", "person-hours", 0),
    "person_hours_below_9c": ("Time spent below 9 °C", "person-hours", 0),
    "vulnerable_person_hours_below_9c": ("… of it by vulnerable people", "person-hours", 0),
    "person_hours_below_5c": ("Time spent below 5 °C (hypothermia risk)", "person-hours", 0),
    "vulnerable_person_hours_below_5c": ("… of it by vulnerable people", "person-hours", 0),
    "person_degree_hours_below_18c": ("Cold exposure below 18 °C", "person-°C-hours", 0),
    "vulnerable_person_degree_hours_below_18c": (
        "… of it by vulnerable people",
        "person-°C-hours",
        0,
    ),
    "peak_people_in_shelters": ("Most people in shelters at once", "people", 0),
    "peak_people_wanting_shelter": ("Most people wanting a shelter at once", "people", 0),
    "peak_people_unmet_shelter": ("Most people who found no shelter at once", "people", 0),
    "unmet_shelter_demand_person_hours": (
        "Time people wanted a shelter and had none",
        "person-hours",
        0,
    ),  # fmt: skip
    "vulnerable_unmet_shelter_demand_person_hours": (
        "… of it by vulnerable people",
        "person-hours",
        0,
    ),  # fmt: skip
    "sheltered_person_hours": ("Time spent in shelters", "person-hours", 0),
    "mean_walk_km": ("Mean walk from home to a shelter", "km", 2),
    "shelter_failures": ("Times a shelter lost heat or power", "times", 0),
    "branch_trips": ("Lines and transformers tripped by overload", "trips", 0),
    "max_stage_queues": (
        "Highest scheduled outage stage (of 6 queues; emergency cuts not counted)",
        "queues",
        1,
    ),  # fmt: skip
    "buildings_lost_heat_source": ("… lost heat: source damaged or unpowered", "buildings", 0),
    "buildings_lost_heat_network": ("… lost heat: pipe damaged", "buildings", 0),
    "buildings_lost_heat_pumps": ("… lost heat: booster pump down", "buildings", 0),
    "buildings_lost_heat_several": ("… lost heat: several causes together", "buildings", 0),
    "buildings_lost_heat_capacity": (
        "… below half their heat, reached: source capacity short",
        "buildings",
        0,
    ),  # fmt: skip
    "buildings_lost_heat_hydraulics": (
        "… below half their heat, reached: too little pressure",
        "buildings",
        0,
    ),  # fmt: skip
    "heat_sources_on_backup": ("Heat sources that ran on a backup generator", "sources", 0),
    "backup_start_failures": ("Backup generators that failed to start", "times", 0),
}
"""Label, unit and decimals of each summary key (decimals None: shown as is, e.g. a seed)."""

"""The built-in demo scenario cut short for tests: one helper instead of a copy per module.

Tests import it as ``from demo_texts import short_demo_text`` (``tests`` is on pytest's
``pythonpath``).
"""

from coldstart.scenario import example_scenario_text


def short_demo_text(horizon_h: float, second_wave_h: float) -> str:
    """The demo scenario (TOML text) cut to ``horizon_h`` hours, its second wave moved to
    ``second_wave_h`` [h] (it must still come before the end)."""
    text = example_scenario_text()
    for old, new in (
        ("horizon_h = 168.0", f"horizon_h = {float(horizon_h)!r}"),
        ("at_h = 74.0", f"at_h = {float(second_wave_h)!r}"),
    ):
        if old not in text:  # the demo changed: fail here, not with a puzzling run
            raise AssertionError(f"the demo scenario no longer has {old!r}")
        text = text.replace(old, new)
    return text

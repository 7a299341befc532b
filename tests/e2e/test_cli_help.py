"""The CLI explains itself (issue 16): units visible in help, no flag noise, a version."""

from __future__ import annotations

import re
from importlib.metadata import version


def test_version(cli):
    code, out, _ = cli("--version")
    assert code == 0
    assert out.strip() == f"coldstart {version('coldstart')}"


def test_units_in_square_brackets_stay_visible(cli):
    # Typer's rich help read "[°C]" and "[h]" as markup and printed nothing
    code, out, _ = cli("cooldown", "--help")
    assert code == 0
    assert "constant outdoor temperature [°C]" in out
    assert "horizon [h]" in out
    assert "<bool>" not in out


def test_every_option_of_every_command_has_help(cli):
    code, out, _ = cli("--help")
    assert code == 0
    commands = re.findall(r"^  ([a-z]+)\s{2,}", out.split("Commands:")[1], flags=re.M)
    assert {"demo", "run", "city", "scenario"} <= set(commands)
    for name in ("demo", "run", "cooldown", "compare"):
        code, text, _ = cli(name, "--help")
        assert code == 0, name
        options = text.split("Options:")[1]
        # an option line with no help text would end right after its placeholder
        bare = [ln for ln in options.splitlines() if re.fullmatch(r"\s+--[\w-]+( <\w+>)?", ln)]
        assert not bare, (name, bare)
        assert "degC" not in text

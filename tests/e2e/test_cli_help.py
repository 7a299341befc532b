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


def test_python_dash_m_runs_the_cli(tmp_path):
    # `python -m coldstart` is the same command line as the `coldstart` console script
    import os
    import subprocess
    import sys
    from pathlib import Path

    import coldstart

    src = str(Path(coldstart.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run(
        [sys.executable, "-m", "coldstart", "--help"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Simulate a city's power" in done.stdout
    for command in ("demo", "run", "scenario"):
        assert re.search(rf"^\s+{command}\s", done.stdout, flags=re.M), command

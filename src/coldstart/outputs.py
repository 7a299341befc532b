"""The outputs of a run described as data (``data/outputs.toml``), and the check against it.

Every summary key and every table column has a unit and a meaning there; :func:`check_outputs`
refuses a Result whose keys or columns differ from the description (a bug, not bad input), and
:func:`markdown` renders the description as the README's "Outputs" tables.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class OutputField:
    """One summary key or table column."""

    name: str
    unit: str
    meaning: str


@dataclass(frozen=True)
class OutputSpec:
    """One output: its file, what it holds, and its fields in order."""

    name: str
    file: str
    description: str
    fields: tuple[OutputField, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Field names in order."""
        return tuple(f.name for f in self.fields)


@cache
def output_specs() -> dict[str, OutputSpec]:
    """The described outputs, keyed by Result attribute (``summary``, ``timeline``, ...)."""
    raw = tomllib.loads(resources.files("coldstart.data").joinpath("outputs.toml").read_text())
    return {
        name: OutputSpec(
            name, o["file"], o["description"], tuple(OutputField(**f) for f in o["fields"])
        )
        for name, o in raw["outputs"].items()
    }


def columns(name: str) -> tuple[str, ...]:
    """The described keys or columns of output ``name``."""
    return output_specs()[name].names


class OutputMismatch(AssertionError):
    """A Result's outputs differ from their description (a bug in coldstart)."""


def check_outputs(result) -> None:
    """Raise :class:`OutputMismatch` unless every output has exactly its described fields.

    Parameters
    ----------
    result : coldstart.result.Result
        The run's outputs: ``summary`` keys and table columns are compared, in order for tables.
    """
    problems = []
    for name, spec in output_specs().items():
        if name == "summary":
            got = tuple(result.summary)
            same = set(got) == set(spec.names)
        else:
            got = tuple(getattr(result, name).columns)
            same = got == spec.names or not got  # an empty table may have no columns
        if not same:
            extra = [k for k in got if k not in spec.names]
            missing = [k for k in spec.names if k not in got]
            problems.append(f"{spec.file}: undescribed {extra}, missing {missing}, or order")
    if problems:
        raise OutputMismatch("; ".join(problems))


def markdown() -> str:
    """The README's "Outputs" tables: one per file, every field with its unit and meaning."""
    parts = []
    for spec in output_specs().values():
        parts.append(f"**`{spec.file}`** — {spec.description}\n")
        parts.append("| field | unit | meaning |\n|---|---|---|")
        for f in spec.fields:
            parts.append(f"| `{f.name}` | {f.unit} | {f.meaning} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"

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
    whole: bool = False  # a float column of whole numbers by construction: CSV integers


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

    @property
    def whole(self) -> frozenset[str]:
        """Fields whole by construction, written to CSV as integers."""
        return frozenset(f.name for f in self.fields if f.whole)


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


@dataclass(frozen=True)
class OutputFile:
    """A file derived from the described outputs (a report, a calendar): name and meaning."""

    name: str
    file: str
    description: str

    def matches(self, path: str) -> bool:
        """True when ``path`` (relative, in a run's folder) is this file; ``<queue>`` in the
        described name stands for any text."""
        head, placeholder, tail = self.file.partition("<queue>")
        if not placeholder:
            return path == self.file
        stem = path[len(head) : len(path) - len(tail)]
        return path.startswith(head) and path.endswith(tail) and bool(stem) and "/" not in stem


@cache
def output_files() -> dict[str, OutputFile]:
    """The described derived files (``[files.*]`` of ``outputs.toml``), keyed by name."""
    raw = tomllib.loads(resources.files("coldstart.data").joinpath("outputs.toml").read_text())
    return {
        name: OutputFile(name, f["file"], f["description"])
        for name, f in raw.get("files", {}).items()
    }


def is_described(path: str) -> bool:
    """True when the file ``path`` of a run's folder is described in ``outputs.toml``.

    Parameters
    ----------
    path : str
        Path relative to the run's folder, e.g. ``"outage_queue_2.1.ics"``.

    Returns
    -------
    bool
        Whether an output or a derived file names it.
    """
    if any(spec.file == path for spec in output_specs().values()):
        return True
    return any(f.matches(path) for f in output_files().values())


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
    parts.append("Derived files:\n")
    for f in output_files().values():
        parts.append(f"- **`{f.file}`** — {f.description}")
    parts.append("")
    return "\n".join(parts).rstrip() + "\n"

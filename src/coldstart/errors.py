"""Typed exceptions for bad input.

Every problem a user can cause (a malformed city or scenario file, an unknown id, NaN weather,
a negative capacity) raises a subclass of :class:`InputError`. The CLI prints each problem on one
line and exits with code 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    Parameters
    ----------
    file : str
        The file (or folder) the problem is in.
    where : str
        Row, feature or key, e.g. ``"row 12"`` or ``"strikes[0].hits[1].asset_id"``.
    field : str
        The field or column concerned ("" when the whole file is at fault).
    message : str
        What was expected.
    """

    file: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join([", ".join(parts), self.message])


class InputError(Exception):
    """Base class of every error caused by bad input; carries one or more :class:`Problem`."""

    def __init__(self, problems: Iterable[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem | str] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class CityError(InputError):
    """A city folder is missing, malformed or inconsistent."""


class ScenarioError(InputError):
    """A scenario file is missing, malformed or refers to things that do not exist."""


class WeatherError(ScenarioError):
    """A weather series is missing, malformed or holds NaN."""

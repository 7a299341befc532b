"""Typed exceptions for bad input.

Every problem a user can cause (a malformed city or scenario file, an unknown id, NaN weather,
a negative capacity) raises a subclass of :class:`InputError`. The CLI prints each problem on one
line and exits with code 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 300
"""Longest key, row or message printed for one problem; longer ones are cut in the middle, so a
10 MB bad value in a file is never echoed whole."""


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Cut ``text`` to at most ``limit`` characters, keeping its start and end.

    Parameters
    ----------
    text : str
        Any text.
    limit : int, optional
        Maximum length of the result [characters].

    Returns
    -------
    str
        ``text`` itself when short enough, else its start, `` ... `` and its end; line breaks
        become spaces so that a problem stays on one line.
    """
    text = text.replace("\r", " ").replace("\n", " ")
    if len(text) <= limit:
        return text
    keep = max(limit - 5, 2)
    return text[: keep - keep // 4] + " ... " + text[len(text) - keep // 4 :]


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to a misspelt ``name`` (:func:`difflib.get_close_matches`, cutoff
    0.6), or None when none is close."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to ``name``, or ``""``: the hint of
    every "unknown name" message (scenario keys, city.toml tables, asset ids, policies)."""
    close = closest(name, known)
    return f" (did you mean {close!r}?)" if close else ""


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
        parts = [shorten(self.file, 2 * MAX_MESSAGE_CHARS)]
        if self.where:
            parts.append(shorten(self.where))
        if self.field:
            parts.append(f"field '{shorten(self.field, 80)}'")
        return ": ".join([", ".join(parts), shorten(self.message)])


class InputError(Exception):
    """Base class of every error caused by bad input; carries one or more :class:`Problem`."""

    def __init__(self, problems: Iterable[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem | str] = [
            p if isinstance(p, Problem) else shorten(str(p)) for p in problems
        ]
        super().__init__("\n".join(str(p) for p in self.problems))


class CityError(InputError):
    """A city folder is missing, malformed or inconsistent."""


class ScenarioError(InputError):
    """A scenario file is missing, malformed or refers to things that do not exist."""


class WeatherError(ScenarioError):
    """A weather series is missing, malformed or holds NaN."""


class OutputError(InputError):
    """An output folder may not be written: it is not coldstart's to replace, or cannot be made."""

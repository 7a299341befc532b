"""The plan of a sweep: every run (seed x policy x variant), validated before the first one.

``--vary KEY=V1,V2`` names any scenario key by its dotted path (``weather.min_temp_c``,
``crews.plumbing``, ``interceptors.stock.cruise``, ``policies.drain``, ...). Every combination
of the varied values is built from a dump of the scenario with those keys set and validated
again with the strict scenario model, so an unknown key or a value outside the key's bounds is
reported (one line naming the key) before any run starts; the input scenario is never changed.

Every run gets a ``run_id``: a content hash of the city, the run's scenario (with its policy and
seed; the name and description, which change nothing, left out), the bytes of every file the
scenario names by path (:data:`PATH_KEYS`: the weather CSV), the policy, the seed and the
coldstart version. The same run in another sweep, or in the same sweep started again, has the
same id; an edited weather file or another coldstart version gives new ids, so a store never
hands back a result made from other inputs or other model code.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import typing
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel, ValidationError

from coldstart import __version__
from coldstart.city.model import City
from coldstart.errors import InputError, Problem, WeatherError, suggest
from coldstart.restore.dispatch import POLICIES
from coldstart.safeio import lexists, read_bytes
from coldstart.scenario.model import Scenario
from coldstart.sweep.sensitivity import NOT_PARAMETERS, _number, _unwrap, key_annotation

MAX_RUNS = 1_000_000
"""Most runs in one sweep (seeds x policies x variants)."""

MAX_SEEDS = 100_000
"""Most seeds in one sweep."""

ID_CHARS = 32
"""Hex digits kept of a run's or a sweep's SHA-256."""

NOT_HASHED = ("name", "description")
"""Scenario keys that change nothing in a run, left out of its id."""

PATH_KEYS = ("weather.csv",)
"""Scenario keys that name a file by its path: the file's bytes are part of a run's id."""


class SweepError(InputError):
    """A seed list, policy list or ``--vary`` the sweep cannot use."""


MAX_SEED = 2**63 - 1
"""The largest seed (NumPy seeds and the run store's BIGINT both hold it)."""


def consecutive_seeds(
    first: int,
    n: int,
    option: str = "--seeds",
    error: type[InputError] = SweepError,
    most: int = MAX_SEEDS,
) -> list[int]:
    """Seeds ``first, first + 1, ..., first + n - 1``.

    Raises
    ------
    InputError
        ``error``, naming ``option``: ``n`` below 1 or above ``most``, or a seed past
        :data:`MAX_SEED` (checked before any run, so nothing is stored of a half-done set).
    """
    if not 1 <= n <= most:
        raise error(Problem(option, "", "", f"expected 1 to {most:,} seeds, got {n:,}"))
    if first + n - 1 > MAX_SEED:
        msg = f"seed {first} + {n - 1} passes the largest seed 2**63 - 1"
        raise error(Problem(option, "", "", msg))
    return [first + i for i in range(n)]


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep.

    Parameters
    ----------
    run_id : str
        Content hash (city, scenario of the run, its files, policy, seed, coldstart version),
        :data:`ID_CHARS` hex digits.
    seed : int
        Seed of every random draw of the run.
    policy : str
        Dispatch policy (also set in ``scenario.policies.dispatch``).
    variant : dict
        The varied keys and their values in this run (``{}`` without ``--vary``).
    scenario : Scenario
        The scenario of the run: variant applied, policy and seed set; validated.
    """

    run_id: str
    seed: int
    policy: str
    variant: dict
    scenario: Scenario

    @property
    def variant_json(self) -> str:
        """The variant as JSON text (keys in ``--vary`` order), as stored in the run store."""
        return variant_text(self.variant)


def variant_text(variant: dict) -> str:
    """A variant as compact JSON text (the ``variant`` column of the run store)."""
    return json.dumps(variant, separators=(",", ":"))


# --------------------------------------------------------------------------- keys and values


def key_type(path: str) -> object:
    """The type of the scenario key at dotted ``path`` (``int``, ``float``, ``bool``, ``str``
    or a ``Literal``), checked against the scenario model.

    Raises
    ------
    KeyError
        With a one-line reason: malformed path, unknown key, a table rather than a value, or
        ``seed`` (seeds come from ``--seeds``).
    """
    parts = path.split(".")
    if path and parts[0] in NOT_PARAMETERS:
        raise KeyError(f"'{path}' cannot be varied (the runs' seeds come from --seeds)")
    if path == "policies.dispatch":
        raise KeyError("the dispatch policy is varied with --policies, not --vary")
    annotation = key_annotation(path, "weather.min_temp_c")
    leaf = _unwrap(annotation)
    if (
        isinstance(leaf, type)
        and issubclass(leaf, BaseModel)
        or typing.get_origin(leaf)
        in (
            dict,
            list,
            tuple,
        )
    ):
        raise KeyError(f"'{path}' is a table, not a value: vary one of its keys")
    return leaf


def parse_value(text: str, kind: object) -> object:
    """One value of ``--vary`` as the key's type (numbers exact; ``true``/``false``; text).

    Raises
    ------
    ValueError
        With a one-line reason.
    """
    if kind is int or kind is float:
        return _number(text, kind)
    t = text.strip()
    if kind is bool:
        if t.lower() not in ("true", "false"):
            raise ValueError(f"expected true or false, got {t!r}")
        return t.lower() == "true"
    if not t:
        raise ValueError("expected a value, got nothing")
    return t


def parse_vary(spec: str) -> tuple[str, list]:
    """``KEY=V1,V2,...`` as the key and its values (in the key's type, without repeats).

    Raises
    ------
    SweepError
        One problem naming the key: no ``=``, unknown key, a value of the wrong type.
    """
    key, eq, values = spec.partition("=")
    key = key.strip()
    if not eq:
        raise SweepError(
            Problem("--vary", "", key, "expected KEY=V1,V2,... e.g. crews.plumbing=5,10")
        )
    try:
        kind = key_type(key)
    except KeyError as exc:
        raise SweepError(Problem("--vary", "", key, exc.args[0])) from None
    out = []
    for v in values.split(","):
        try:
            x = parse_value(v, kind)
        except ValueError as exc:
            raise SweepError(Problem("--vary", "", key, str(exc))) from None
        if x not in out:
            out.append(x)
    if key == "weather.csv":
        out = list(dict.fromkeys(_weather_file(x) for x in out))
    return key, out


def _weather_file(name: str) -> str:
    """A weather CSV named in ``--vary``, made absolute. Like every path on the command line it
    is relative to the current folder (a scenario's ``weather.csv`` is relative to the scenario
    file); absolute, it names the same file on a Dask worker and in the run store.

    Raises
    ------
    SweepError
        No such file: the message names ``--vary`` and the full path looked at.
    """
    full = os.path.abspath(name)
    if not lexists(full, SweepError):
        why = (
            f"{name}: file not found (looked for {full}; a --vary path is relative to the "
            "current folder, not to the scenario file)"
        )
        raise SweepError(Problem("--vary", "", "weather.csv", why))
    return full


def _set(doc: dict, path: str, value: object) -> None:
    """Set ``path`` in the dumped scenario ``doc`` (a missing key of a keyed table is added)."""
    parts = path.split(".")
    node: object = doc
    for i, part in enumerate(parts[:-1]):
        here = ".".join(parts[: i + 1])
        if isinstance(node, dict):
            node = node.setdefault(part, {}) if part not in node else node[part]
        elif isinstance(node, list) and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(f"'{here}' is not set in this scenario")
        if node is None:
            raise KeyError(f"'{here}' is not set in this scenario")
    last = parts[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and int(last) < len(node):
        node[int(last)] = value
    else:
        raise KeyError(f"'{path}' is not set in this scenario")


def _message(exc: ValidationError) -> str:
    """The errors of a re-validation on one line: ``key: message; ...``."""
    bits = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        bits.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(bits)


def apply_variant(scenario: Scenario, variant: dict) -> Scenario:
    """``scenario`` with every key of ``variant`` set, validated again (``scenario`` untouched).

    Raises
    ------
    SweepError
        One problem naming the (first) key: not in this scenario, or refused by the model.
    """
    if not variant:
        return scenario
    doc = scenario.model_dump()
    for path, value in variant.items():
        try:
            _set(doc, path, value)
        except KeyError as exc:
            raise SweepError(Problem("--vary", "", path, exc.args[0])) from None
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        bad = ".".join(str(p) for p in exc.errors()[0]["loc"]) or next(iter(variant))
        key = next((k for k in variant if bad.startswith(k)), bad)
        values = ", ".join(f"{k}={v}" for k, v in variant.items())
        msg = f"refused by the scenario model ({values}): {_message(exc)}"
        raise SweepError(Problem("--vary", "", key, msg)) from None


# --------------------------------------------------------------------------- seeds, policies


def seeds_from(scenario: Scenario, n: int | None, listed: str | None) -> list[int]:
    """The sweep's seeds: ``scenario.seed + 0 .. n-1`` or the listed ones (in order, no repeats).

    Raises
    ------
    SweepError
        Both or neither given, a seed that is not a whole number in 0 .. 2**63 - 1, too many.
    """
    if n is not None and listed is not None:
        raise SweepError(Problem("--seeds", "", "", "give --seeds or --seed-list, not both"))
    if listed is not None:
        out: list[int] = []
        for t in listed.split(","):
            try:
                s = int(t.strip())
            except ValueError:
                raise SweepError(
                    Problem("--seed-list", "", "", f"{t.strip()!r} is not a seed")
                ) from None
            if not 0 <= s <= MAX_SEED:
                raise SweepError(Problem("--seed-list", "", "", f"seed {s} outside 0 .. 2**63 - 1"))
            if s not in out:
                out.append(s)
        seeds = out
    else:
        seeds = consecutive_seeds(scenario.seed, 10 if n is None else n)
    if not seeds or len(seeds) > MAX_SEEDS:
        raise SweepError(Problem("--seed-list", "", "", f"expected 1 to {MAX_SEEDS:,} seeds"))
    return seeds


def policies_from(text: str | None, scenario: Scenario | None) -> list[str]:
    """Policies in order without repeats (default, ``text`` None: the scenario's own).

    Raises
    ------
    SweepError
        None given or one unknown (with the closest policy as a suggestion).
    """
    if text is None:
        return [scenario.policies.dispatch]
    names = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    bad = [p for p in names if p not in POLICIES]
    known = ", ".join(POLICIES)
    if not names:
        raise SweepError(
            Problem("--policies", "", "", f"no policy given; expected some of {known}")
        )
    if bad:
        unknown = ", ".join(repr(b) for b in bad)
        why = f"unknown {unknown}{suggest(bad[0], POLICIES)}; expected some of {known}"
        raise SweepError(Problem("--policies", "", "", why))
    return names


# --------------------------------------------------------------------------- hashes


def _table_bytes(table: pd.DataFrame) -> bytes:
    """Columns, dtypes, index and every value of a table (object cells by type and repr)."""
    head = repr((list(table.columns), [str(t) for t in table.dtypes], list(table.index)))
    parts = [head.encode()]
    for c in table.columns:
        col = table[c]
        if col.dtype == object:
            parts.append(repr([(type(v).__name__, v) for v in col.tolist()]).encode())
        else:
            parts.append(col.to_numpy().tobytes())
    return b"\0".join(parts)


def city_digest(city: City) -> str:
    """SHA-256 of a city's name, tables and grid tables (the same city, the same digest)."""
    h = hashlib.sha256(city.name.encode())
    for name in sorted(city.tables):
        h.update(name.encode() + b"\0" + _table_bytes(city.tables[name]))
    for key in sorted(city.net.keys()):
        value = city.net[key]
        if isinstance(value, pd.DataFrame) and len(value) and not key.startswith("res_"):
            h.update(f"net.{key}".encode() + b"\0" + _table_bytes(value))
    return h.hexdigest()


def _hash(doc: object) -> str:
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:ID_CHARS]


def file_digests(scenario: Scenario, memo: dict[str, str] | None = None) -> dict[str, str]:
    """SHA-256 of every file ``scenario`` names by path, by key of :data:`PATH_KEYS`.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (``weather.csv`` made absolute by
        :func:`~coldstart.scenario.load_scenario`; a relative path is read from the current
        folder, as the simulation reads it).
    memo : dict, optional
        Digests already computed, by path; filled in (one read per file for a whole plan).

    Returns
    -------
    dict
        ``{"weather.csv": hex digest}``; empty when the scenario names no file.

    Raises
    ------
    WeatherError
        The weather file is missing, unreadable or too large (one line naming it).
    """
    memo = {} if memo is None else memo
    out = {}
    path = scenario.weather.csv
    if path is not None:
        if path not in memo:
            data = read_bytes(path, "weather", WeatherError)
            memo[path] = hashlib.sha256(data).hexdigest()
        out["weather.csv"] = memo[path]
    return out


def run_id(
    city_hash: str,
    scenario: Scenario,
    policy: str,
    seed: int,
    files: dict[str, str] | None = None,
) -> str:
    """Content hash of one run (see the module docstring).

    Parameters
    ----------
    city_hash : str
        :func:`city_digest` of the city.
    scenario : Scenario
        The run's scenario.
    policy : str
        Dispatch policy.
    seed : int
        Seed of the run.
    files : dict, optional
        :func:`file_digests` of ``scenario`` when already made (read here otherwise).

    Returns
    -------
    str
        :data:`ID_CHARS` hex digits.
    """
    doc = scenario.model_dump(mode="json", exclude=set(NOT_HASHED))
    files = file_digests(scenario) if files is None else files
    return _hash(
        {
            "city": city_hash,
            "scenario": doc,
            "files": files,
            "policy": policy,
            "seed": int(seed),
            "coldstart": __version__,
        }
    )


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class SweepPlan:
    """Every run of a sweep, in order (variant, then seed, then policy)."""

    sweep_id: str
    seeds: tuple[int, ...]
    policies: tuple[str, ...]
    variants: tuple[dict, ...]
    runs: tuple[RunSpec, ...]


def build_variants(
    scenario: Scenario, varies: Sequence[tuple[str, list]] = ()
) -> list[tuple[dict, Scenario]]:
    """Every combination of the varied values and its scenario, each validated again.

    Parameters
    ----------
    scenario : Scenario
        The scenario as given; never changed.
    varies : sequence of (str, list)
        Varied keys and their values (:func:`parse_vary`); the product of all is built.

    Returns
    -------
    list of (dict, Scenario)
        ``({key: value, ...}, scenario with those values)`` in order (``[({}, scenario)]``
        without ``varies``).

    Raises
    ------
    SweepError
        A key given twice, a key this scenario does not have, a value or combination the model
        refuses, too many variants.
    """
    keys = [k for k, _ in varies]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise SweepError(Problem("--vary", "", dup, "given twice; list its values once"))
    n_var = 1
    for _, values in varies:
        n_var *= len(values)
    if n_var > MAX_RUNS:
        raise SweepError(Problem("--vary", "", "", f"more than {MAX_RUNS:,} variants"))
    combos = itertools.product(*(v for _, v in varies))
    variants = [dict(zip(keys, combo, strict=True)) for combo in combos]
    return [(var, apply_variant(scenario, var)) for var in variants]


def build_plan(
    city_hash: str,
    scenario: Scenario,
    seeds: Sequence[int],
    policies: Sequence[str],
    varies: Sequence[tuple[str, list]] = (),
    variants: Sequence[tuple[dict, Scenario]] | None = None,
) -> SweepPlan:
    """Every run of seeds x policies x variants, each scenario validated (nothing is run).

    Parameters
    ----------
    city_hash : str
        :func:`city_digest` of the city.
    scenario : Scenario
        The scenario as given; never changed.
    seeds, policies : sequence
        Seeds and dispatch policies of the runs.
    varies : sequence of (str, list)
        Varied keys and their values (:func:`parse_vary`); the product of all is run.
    variants : sequence of (dict, Scenario), optional
        :func:`build_variants` of ``scenario`` and ``varies`` when already made.

    Returns
    -------
    SweepPlan

    Raises
    ------
    SweepError
        See :func:`build_variants`; also more than :data:`MAX_RUNS` runs.
    WeatherError
        A weather file cannot be read (its bytes are part of the run ids).
    """
    if variants is None:
        variants = build_variants(scenario, varies)
    if len(variants) * len(seeds) * len(policies) > MAX_RUNS:
        raise SweepError(Problem("--seeds", "", "", f"more than {MAX_RUNS:,} runs"))
    runs = []
    memo: dict[str, str] = {}
    for var, base in variants:
        files = file_digests(base, memo)
        for seed in seeds:
            for pol in policies:
                sc = base.model_copy(
                    update={
                        "seed": int(seed),
                        "policies": base.policies.model_copy(update={"dispatch": pol}),
                    }
                )
                rid = run_id(city_hash, sc, pol, seed, files)
                runs.append(RunSpec(rid, int(seed), pol, var, sc))
    if len({r.run_id for r in runs}) != len(runs):
        msg = "two runs of this sweep would be the same run; list every value once"
        raise SweepError(Problem("--vary", "", "", msg))
    ids = hashlib.sha256("".join(r.run_id for r in runs).encode()).hexdigest()
    sweep_doc = {
        "city": city_hash,
        "scenario": scenario.model_dump(mode="json", exclude=set(NOT_HASHED)),
        "seeds": list(seeds),
        "policies": list(policies),
        "variants": [v for v, _ in variants],
        "runs": ids,  # every run's files and the coldstart version are in its id
    }
    return SweepPlan(
        _hash(sweep_doc), tuple(seeds), tuple(policies), tuple(v for v, _ in variants), tuple(runs)
    )

"""The cities a dashboard offers: the built-in demo, a server folder of cities, uploads.

Every city is loaded and checked with the loader of the command line
(:func:`coldstart.city.load_city`, which decodes grid files with the restricted reader, and
:func:`coldstart.cli.compile_checked`) the first time it is used, then kept. An upload is
unpacked (:mod:`.uploads`) into a fresh folder of its own beside the others and checked before
it is listed; a bad city is removed again and answered with the loader's messages.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from coldstart.errors import CityError, InputError, Problem
from coldstart.web.config import ServerConfig
from coldstart.web.uploads import UploadRejected, ZipLimits, unpack_zip

DEMO = "demo"
"""Name of the built-in demo city (synthetic, seed 0)."""

NAME_RE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class CityEntry:
    """A checked city ready to run: the City, its compiled form and its digest.

    ``compiled`` is shared by the runs of this server's job thread; a sweep on Dask gets a
    freshly compiled copy (:meth:`CityBook.fresh_compiled`).
    """

    name: str
    source: str
    city: object
    compiled: object
    digest: str


def slug(text: str) -> str:
    """A file-name-safe form of ``text`` (letters, digits, ``-``, ``_``; at most 40)."""
    return NAME_RE.sub("-", text).strip("-")[:40] or "city"


def _relative_problems(exc: InputError, root: Path) -> list[str]:
    """The loader's messages with the server's folder left out of the paths."""
    out = []
    for p in exc.problems:
        text = str(p)
        for folder in (str(root.resolve()), str(root)):
            text = text.replace(folder + "/", "").replace(folder, "the upload")
        out.append(text)
    return out


def outside_upload(root: Path) -> list[Problem]:
    """The tables ``root/city.toml`` names outside the uploaded folder ``root``: an upload
    must hold every table it names (the command line's ``--allow-outside-city`` has no
    counterpart here). The messages name the file as ``city.toml`` gives it, never a path of
    the server."""
    from coldstart.city.io import read_city_toml

    base = root.resolve()
    problems = []
    for table, name in read_city_toml(root)["files"].items():
        try:
            inside = (root / name).resolve().is_relative_to(base)
        except (OSError, RuntimeError, ValueError):
            inside = False
        if not inside:
            msg = (
                f"an uploaded city must hold every table it names; city.toml names {name} "
                "outside the upload (put the file in the zipped folder and name it relative "
                "to city.toml)"
            )
            problems.append(Problem("city.toml", f"[files] {table}", "", msg))
    return problems


class CityBook:
    """The cities of one server, loaded on first use (thread-safe)."""

    def __init__(self, config: ServerConfig):
        self.config = config
        self._lock = threading.Lock()
        self._loaded: dict[str, CityEntry] = {}
        config.uploads_dir.mkdir(parents=True, exist_ok=True)
        for tmp in config.uploads_dir.glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)  # an upload the server died unpacking

    def folders(self) -> dict[str, tuple[str, Path]]:
        """City name -> (source, folder) of every city folder (server folder, uploads)."""
        found: dict[str, tuple[str, Path]] = {}
        if self.config.cities_dir is not None and self.config.cities_dir.is_dir():
            for p in sorted(self.config.cities_dir.iterdir()):
                if p.name != DEMO and (p / "city.toml").is_file():  # "demo" is the built-in
                    found[p.name] = ("server", p)
        for p in sorted(self.config.uploads_dir.iterdir()):
            root = p / "city"
            if not p.name.startswith(".") and (root / "city.toml").is_file():
                found[p.name] = ("upload", root)
        return found

    def names(self) -> list[dict]:
        """``[{"name", "source", "loaded"}]``: the demo first, then the folders."""
        rows = [{"name": DEMO, "source": "built-in", "loaded": DEMO in self._loaded}]
        for name, (source, _) in self.folders().items():
            rows.append({"name": name, "source": source, "loaded": name in self._loaded})
        return rows

    def get(self, name: str) -> CityEntry:
        """The checked city ``name``.

        Raises
        ------
        KeyError
            No such city.
        coldstart.errors.InputError
            The city's folder is bad (its messages).
        """
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            entry = self._load(name)
            self._loaded[name] = entry
            return entry

    def _load(self, name: str) -> CityEntry:
        from coldstart.cli import compile_checked
        from coldstart.sweep.plan import city_digest

        if name == DEMO:
            from coldstart.city.synth import synth_city

            city, source = synth_city(self.config.demo_buildings, seed=0), "built-in"
        else:
            folders = self.folders()
            if name not in folders:
                raise KeyError(name)
            from coldstart.city import load_city

            source, folder = folders[name]
            city = load_city(folder)
        compiled = compile_checked(city, name)
        return CityEntry(name, source, city, compiled, city_digest(city))

    def fresh_compiled(self, name: str):
        """A newly compiled copy of city ``name`` that no run has touched (for Dask)."""
        from coldstart.compiled import compile_city

        return compile_city(self.get(name).city)

    def add_upload(self, data: bytes, label: str) -> CityEntry:
        """Unpack, check and keep an uploaded zipped city folder; return it loaded.

        Raises
        ------
        UploadRejected
            A zip refused (its status: 422 or 413).
        coldstart.errors.InputError
            The city is bad (messages without the server's folders).
        """
        c = self.config
        limits = ZipLimits(c.max_zip_members, c.max_unzipped_bytes, c.max_zip_ratio)
        tmp = c.uploads_dir / f".tmp-{uuid.uuid4().hex}"
        try:
            root = unpack_zip(data, tmp / "city", limits)
            if root != tmp / "city":
                root.rename(tmp / "city.root")
                shutil.rmtree(tmp / "city")
                (tmp / "city.root").rename(tmp / "city")
            return self._keep(tmp, data, label)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _keep(self, tmp: Path, data: bytes, label: str) -> CityEntry:
        """Check the unpacked city in ``tmp/city`` and move it to its own folder."""
        from coldstart.city import load_city
        from coldstart.cli import compile_checked

        root = tmp / "city"
        if not (root / "city.toml").is_file():
            raise UploadRejected("the zip holds no city.toml (zip a city folder)")
        try:
            outside = outside_upload(root)
            if outside:
                raise CityError(outside)
            city = load_city(root)
            compile_checked(city, "the uploaded city")
        except InputError as exc:
            raise CityError(_relative_problems(exc, root)) from None
        name = f"{slug(label or city.name)}-{hashlib.sha256(data).hexdigest()[:8]}"
        final = self.config.uploads_dir / name
        with self._lock:
            self._loaded.pop(name, None)
            if not final.exists():
                tmp.rename(final)
        return self.get(name)

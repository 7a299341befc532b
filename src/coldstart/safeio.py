"""Bounded, typed reading of the files users give coldstart.

Every input file (city tables, grid, ``city.toml``, scenario, weather CSV, candidate sites) is
read through :func:`read_bytes`, which

- refuses anything that is not a regular file (a FIFO, a device such as ``/dev/zero``, a folder)
  *before* reading from it: the file is opened non-blocking and checked with ``fstat`` on the
  open descriptor, so a FIFO cannot hang the program and a swap between check and read cannot
  slip a device in;
- caps the number of bytes read (:data:`LIMITS`), so a huge or endless file ends in a clear
  error instead of filling the memory;
- optionally requires the file to lie inside a folder (resolved paths, so a symbolic link that
  points out of a city folder is refused unless the user allows it).

Errors are raised as the caller's :class:`~coldstart.errors.InputError` subclass, with one
:class:`~coldstart.errors.Problem` naming the file.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain, compress
from pathlib import Path

from coldstart.errors import InputError, Problem

MIB = 1024 * 1024

LIMITS: dict[str, int] = {
    "city_toml": 64 * 1024,
    "table": 256 * MIB,
    "grid": 256 * MIB,
    "scenario": 1 * MIB,
    "weather": 64 * MIB,
    "candidates": 64 * MIB,
    "matpower": 16 * MIB,
    "parameters": 1 * MIB,
}
"""Largest file read for each kind of input [bytes]. A 30,000-building city's largest table is
about 25 MB of GeoJSON, so the caps leave a wide margin for real cities while bounding memory."""

_KIND_OF_FILE = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _size_text(n_bytes: int) -> str:
    if n_bytes >= MIB:
        return f"{n_bytes / MIB:,.0f} MiB"
    return f"{n_bytes / 1024:,.0f} KiB"


def _not_regular(mode: int) -> str:
    for test, name in _KIND_OF_FILE:
        if test(mode):
            return name
    return "not a regular file"


def check_inside(path: Path, folder: Path, error: type[InputError], hint: str = "") -> None:
    """Raise ``error`` unless ``path`` (symbolic links resolved) lies inside ``folder``.

    Parameters
    ----------
    path : pathlib.Path
        File to be read.
    folder : pathlib.Path
        Folder it must lie in (resolved too).
    error : type of InputError
        Exception class raised.
    hint : str, optional
        Appended to the message (how to allow it).
    """
    try:
        real = path.resolve()
        base = folder.resolve()
    except (OSError, RuntimeError) as exc:  # symlink loops
        raise error(Problem(str(path), "", "", f"cannot be resolved: {exc}")) from None
    if not real.is_relative_to(base):
        msg = f"lies outside the folder {folder} (it resolves to {real})"
        raise error(Problem(str(path), "", "", msg + (f"; {hint}" if hint else "")))


def read_bytes(
    path: str | Path,
    kind: str,
    error: type[InputError] = InputError,
    inside: Path | None = None,
    inside_hint: str = "",
) -> bytes:
    """Read a whole regular file, at most ``LIMITS[kind]`` bytes.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    kind : str
        Key of :data:`LIMITS` (``"table"``, ``"grid"``, ``"scenario"``, ...).
    error : type of InputError
        Exception class raised for every problem.
    inside : pathlib.Path, optional
        When given, the file must resolve to a path inside this folder.
    inside_hint : str, optional
        How the user may allow a file outside ``inside`` (appended to that message).

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InputError
        (as ``error``) File missing, not a regular file, unreadable, too large, or outside
        ``inside``.
    """
    path = Path(path)
    name = str(path)
    limit = LIMITS[kind]
    if inside is not None:
        check_inside(path, inside, error, inside_hint)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(Problem(name, "", "", "file not found")) from None
    except OSError as exc:
        raise error(Problem(name, "", "", f"cannot be read: {exc.strerror or exc}")) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = _not_regular(st.st_mode)
            raise error(Problem(name, "", "", f"is {what}, not a regular file"))
        if st.st_size > limit:
            raise error(_too_large(name, st.st_size, limit))
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(8 * MIB, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise error(_too_large(name, total, limit))
        return b"".join(chunks)
    except OSError as exc:
        raise error(Problem(name, "", "", f"cannot be read: {exc.strerror or exc}")) from None
    finally:
        os.close(fd)


def _too_large(name: str, size: int, limit: int) -> Problem:
    return Problem(
        name, "", "", f"is {_size_text(size)}, larger than the {_size_text(limit)} coldstart reads"
    )


def read_text(
    path: str | Path,
    kind: str,
    error: type[InputError] = InputError,
    inside: Path | None = None,
    inside_hint: str = "",
) -> str:
    """Read a regular UTF-8 text file with :func:`read_bytes`'s checks and return its text.

    Raises
    ------
    InputError
        (as ``error``) Every problem of :func:`read_bytes`, and text that is not UTF-8.
    """
    data = read_bytes(path, kind, error, inside, inside_hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            Problem(str(path), "", "", f"is not UTF-8 text (byte {exc.start} cannot be decoded)")
        ) from None


def lexists(path: str | Path, error: type[InputError] = InputError) -> bool:
    """Whether ``path`` names anything (a broken symbolic link too); a path the system refuses
    to look up (name too long, no permission on a parent) raises ``error`` naming it, where
    :meth:`pathlib.Path.exists` would raise a bare ``OSError``."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        msg = f"cannot be accessed: {exc.strerror or exc}"
        raise error(Problem(str(path), "", "", msg)) from None
    except ValueError:  # an embedded NUL byte
        raise error(Problem(str(path), "", "", "is not a valid path")) from None
    return True


def is_dir(path: str | Path, error: type[InputError] = InputError) -> bool:
    """Whether ``path`` is a folder (following links), with :func:`lexists`' errors."""
    if not lexists(path, error):
        return False
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def nesting_depth(doc: object, limit: int) -> int:
    """Depth of nested lists and dicts in ``doc``, counted without recursion, up to ``limit + 1``.

    Parameters
    ----------
    doc : object
        A parsed TOML or JSON document.
    limit : int
        Stop counting once the depth exceeds this.

    Returns
    -------
    int
        The depth (0 for a scalar), or ``limit + 1`` when deeper than ``limit``.
    """
    # level by level, keeping only containers: scalars (nearly every value) are never queued
    level = [doc] if isinstance(doc, dict | list | tuple) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return limit + 1
        children = list(
            chain.from_iterable(n.values() if isinstance(n, dict) else n for n in level)
        )
        if set(map(type, children)) <= _PLAIN_TYPES:  # parsed JSON and TOML: types checked in C
            level = list(compress(children, map(_CONTAINERS.__contains__, map(type, children))))
        else:  # subclasses of dict or list
            level = [c for c in children if isinstance(c, dict | list | tuple)]
    return depth


_CONTAINERS = frozenset({dict, list, tuple})
_PLAIN_TYPES = _CONTAINERS | {str, int, float, bool, type(None)}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, then restore it as it was.

    Parsing a big JSON file creates millions of containers, none of them in a reference cycle;
    each batch of new containers otherwise triggers a collection pass that walks them all again
    (a third of the time of reading a city of 30,000 buildings). Reference counting still frees
    everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

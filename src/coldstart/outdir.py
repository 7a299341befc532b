"""Output folders that coldstart owns: written whole, replaced only when they are ours.

Rules
-----
1. Every folder coldstart writes carries ``.coldstart-manifest.json``::

       {"written_by": "coldstart", "version": coldstart.__version__, "command": "...",
        "created_utc": "<ISO time>", "files": [<sorted relative paths, recursive>]}

   ``files`` lists every file written except the manifest itself.
2. A target may be replaced only if it does not exist, is an empty folder, or is a folder whose
   manifest is valid (``written_by == "coldstart"``) and whose files are all listed in it.
   Anything else is refused before any work starts with :class:`~coldstart.errors.OutputError`.
   Always refused, manifest or not: the filesystem root, the home folder, the current folder or
   any of its parents, an input of the command (equal to it, holding it or inside it), a
   symbolic link, anything that is not a folder. There is no force option.
3. The output is written into a temporary sibling ``.NAME.coldstart-tmp-XXXX`` (created on entry,
   which proves the parent is writable; it holds a marker ``.coldstart-tmp.json`` with pid, host
   and start time). On success the manifest is written, the target re-checked, the old target
   renamed to ``.NAME.coldstart-old-XXXX``, the new folder renamed into place and the old one
   removed. If the body or any step fails the temporary folder is removed and the previous
   output is put back, so no hidden copy is left behind.
4. Leftovers of killed runs (``.NAME.coldstart-tmp-*``/``.NAME.coldstart-old-*`` real folders
   carrying our marker or manifest) are removed on entry when no live process on this host owns
   them. Nothing without our marker or manifest is ever removed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from coldstart import __version__
from coldstart.errors import OutputError, Problem

MANIFEST = ".coldstart-manifest.json"
MARKER = ".coldstart-tmp.json"
TMP_TAG = "coldstart-tmp-"
OLD_TAG = "coldstart-old-"

Inputs = Sequence[str | Path | None]


def _error(target: Path | str, reason: str) -> OutputError:
    return OutputError(Problem(str(target), "", "", reason))


def _why(exc: OSError) -> str:
    return f"cannot be written: {exc.strerror or exc}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare the path as given
        return Path(os.path.abspath(path))


def _list_files(folder: Path) -> list[str]:
    """Sorted relative paths of all non-folder entries (links not followed; top-level manifest
    and marker left out)."""
    found: list[str] = []
    stack = [(folder, "")]
    while stack:
        here, rel = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((Path(entry.path), f"{rel}{entry.name}/"))
                elif rel or entry.name not in (MANIFEST, MARKER):
                    found.append(f"{rel}{entry.name}")
    return sorted(found)


def _read_json(path: Path) -> dict | None:
    """Return the JSON object in a regular (non-link) file written by coldstart, else None."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("written_by") == "coldstart" else None


def read_manifest(folder: str | Path) -> dict | None:
    """Return the manifest of ``folder`` if valid (written by coldstart, ``files`` a list of str).

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder to look in.

    Returns
    -------
    dict or None
        The manifest, or None when missing or invalid.
    """
    data = _read_json(Path(folder) / MANIFEST)
    files = data.get("files") if data else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return data


def _foreign_file(folder: Path) -> str | None:
    """Return one file in ``folder`` that coldstart did not write (per its manifest), or None."""
    files = _list_files(folder)
    manifest = read_manifest(folder)
    if manifest is None and (folder / MANIFEST).exists():
        return MANIFEST
    allowed = set(manifest["files"]) if manifest else set()
    return next((f for f in files if f not in allowed), None)


def _forbidden_reason(target: Path, inputs: Inputs) -> str | None:
    """Why ``target`` may never be an output folder (root, home, cwd, inputs), or None."""
    places = {target, _resolve(target)}
    if any(p == Path(p.anchor) for p in places):
        return "is the filesystem root"
    with suppress(RuntimeError, KeyError):
        if Path.home().resolve() in places:
            return "is your home folder"
    with suppress(OSError):
        cwd = Path.cwd().resolve()
        if any(p == cwd or p in cwd.parents for p in places):
            return "is the current folder or one of its parents"
    for given in inputs:
        if given is None:
            continue
        inp = _resolve(Path(given))
        if any(p == inp or p in inp.parents for p in places):
            return f"is an input of this command ('{given}') or holds one"
        if any(inp in p.parents for p in places):
            return f"lies inside an input of this command ('{given}')"
    return None


def _place_reason(target: Path) -> str | None:
    """Why ``target`` itself or its parent is unusable (link, file, parent file), or None."""
    if target.is_symlink():
        return "is a symbolic link (give the real folder)"
    if os.path.lexists(target) and not target.is_dir():
        return "is a file, not a folder"
    for parent in target.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                return "its parent is not a folder"
            if not os.access(parent, os.W_OK | os.X_OK):
                return "cannot be written: permission denied"
            return None
    return None


def check_target(out_dir: str | Path, inputs: Inputs = ()) -> Path:
    """Check that coldstart may write (and replace) the output folder ``out_dir``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The output folder asked for.
    inputs : sequence of str or pathlib.Path
        The input paths of the command (city folder, scenario, weather, candidates); None
        entries are skipped. The target may not equal, hold or lie inside any of them.

    Returns
    -------
    pathlib.Path
        The absolute target; its parent is resolved, its last component is not.

    Raises
    ------
    coldstart.errors.OutputError
        With one problem saying why the folder may not be written.
    """
    target = Path(os.path.abspath(out_dir))
    if target.name:
        target = _resolve(target.parent) / target.name
    reason = _forbidden_reason(target, inputs) or _place_reason(target)
    if reason is None and target.is_dir():
        try:
            foreign = _foreign_file(target)
        except OSError as exc:
            raise _error(target, _why(exc)) from exc
        if foreign is not None:
            reason = (
                f"holds files coldstart did not write (e.g. '{foreign}'); "
                "choose an empty or new folder"
            )
    if reason is not None:
        raise _error(target, reason)
    return target


def write_manifest(folder: str | Path, command: str) -> Path:
    """Write ``.coldstart-manifest.json`` listing every file now in ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder written.
    command : str
        The command that wrote it (recorded as is).

    Returns
    -------
    pathlib.Path
        The manifest file.
    """
    folder = Path(folder)
    manifest = {
        "written_by": "coldstart",
        "version": __version__,
        "command": command,
        "created_utc": _now(),
        "files": _list_files(folder),
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def _write_marker(folder: Path) -> None:
    """Mark ``folder`` as in use by this process (so other runs leave it alone)."""
    marker = {
        "written_by": "coldstart",
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "started_utc": _now(),
    }
    (folder / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")


def _drop_marker(folder: Path) -> None:
    with suppress(OSError):  # a marker left in an output is tolerated (ignored by checks)
        (folder / MARKER).unlink()


def _owner_alive(marker: dict | None) -> bool:
    """True when the process named by ``marker`` may still be running (or cannot be checked)."""
    if marker is None:
        return False
    pid = marker.get("pid")
    if not isinstance(pid, int) or pid <= 0 or marker.get("hostname") != socket.gethostname():
        return True  # not ours to judge: another host, or a marker we cannot read
    try:
        os.kill(pid, 0)  # our own pid is alive too
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _clean_leftovers(target: Path) -> None:
    """Remove hidden siblings of ``target`` left by killed coldstart runs (no live owner)."""
    prefixes = (f".{target.name}.{TMP_TAG}", f".{target.name}.{OLD_TAG}")
    try:
        entries = [e for e in os.scandir(target.parent) if e.name.startswith(prefixes)]
    except OSError:
        return
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        marker = _read_json(folder / MARKER)
        if marker is None and read_manifest(folder) is None:
            continue
        if not _owner_alive(marker):
            shutil.rmtree(folder, ignore_errors=True)


def _make_tmp(target: Path) -> Path:
    """Create the marked temporary sibling of ``target`` (and missing parents)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{TMP_TAG}", dir=target.parent))
    except OSError as exc:
        raise _error(target, _why(exc)) from exc
    try:
        tmp.chmod(0o755)
        _write_marker(tmp)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _error(target, _why(exc)) from exc
        raise
    return tmp


def _put_back(old: Path, target: Path) -> None:
    """Rename the previous output ``old`` back to ``target``."""
    try:
        os.rename(old, target)
    except OSError as exc:
        raise _error(target, f"{_why(exc)}; the previous output is kept in '{old}'") from exc
    _drop_marker(target)


def _swap(tmp: Path, target: Path) -> None:
    """Put the finished ``tmp`` in place of ``target``, removing the previous output."""
    old = None
    if os.path.lexists(target):
        old = target.with_name(f".{target.name}.{OLD_TAG}{tmp.name.rsplit('-', 1)[-1]}")
        try:
            _write_marker(target)  # a run killed from here on leaves a recognisable folder
            os.rename(target, old)
        except OSError as exc:
            _drop_marker(target)
            raise _error(target, _why(exc)) from exc
        try:
            foreign = _foreign_file(old)
        except OSError:
            foreign = "?"
        if foreign is not None:  # replaced by someone else since we checked: hands off
            _put_back(old, target)
            raise _error(target, f"changed while coldstart ran (e.g. '{foreign}' appeared)")
    try:
        os.rename(tmp, target)
    except OSError as exc:
        if old is not None:
            _put_back(old, target)
        raise _error(target, _why(exc)) from exc
    _drop_marker(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def owned_output(out_dir: str | Path, *, command: str, inputs: Inputs = ()) -> Iterator[Path]:
    """Write an output folder whole, replacing it only if coldstart owns it.

    Checks the target (:func:`check_target`), removes leftovers of killed runs into the same
    target and creates the temporary sibling folder, all on entry; enter the context before a
    long computation so a bad ``--out`` fails at once.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The output folder.
    command : str
        Recorded in the manifest (e.g. ``"coldstart run"``).
    inputs : sequence of str or pathlib.Path
        The command's input paths, which the output may not touch.

    Yields
    ------
    pathlib.Path
        The temporary folder to write into. On normal exit it gets a manifest and replaces
        ``out_dir``; if the body raises it is removed and ``out_dir`` is left as it was.

    Raises
    ------
    coldstart.errors.OutputError
        When the target is refused, on entry or (if it changed meanwhile) on exit, or when a
        folder cannot be created or renamed.
    """
    target = check_target(out_dir, inputs)
    _clean_leftovers(target)
    tmp = _make_tmp(target)
    try:
        yield tmp
        try:
            write_manifest(tmp, command)
        except OSError as exc:
            raise _error(target, _why(exc)) from exc
        check_target(target, inputs)
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

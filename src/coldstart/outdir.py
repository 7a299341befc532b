"""Output folders that coldstart owns: written whole, replaced only when they are ours.

Rules
-----
1. Every folder coldstart writes carries ``.coldstart-manifest.json``::

       {"written_by": "coldstart", "version": coldstart.__version__, "command": "...",
        "created_utc": "<ISO time>",
        "files": [<sorted relative paths, recursive>],
        "sizes": {"<path>": <bytes>, ...},
        "sha256": {"<path>": "<64 hex digits>", ...}}

   ``files`` lists every file written except the manifest itself (top-level manifest and
   marker are never listed); ``sizes`` and ``sha256`` have one entry per listed file. An entry
   that is not a regular file is recorded with size -1 and an empty digest, which nothing
   matches. A manifest without ``sizes``/``sha256`` (written by an older coldstart) or with
   a missing entry counts as not ours.
2. A target may be replaced only if it does not exist, is an empty folder, or is a folder whose
   manifest is complete, whose ``command`` equals the command now writing, and whose files
   are all listed and unchanged: same size and, when the size matches, same sha256 (files
   listed but deleted since are fine). Anything else is refused before any work starts with
   :class:`~coldstart.errors.OutputError`. :func:`check_target` called without ``command``
   skips the command rule (an early check; :func:`owned_output` always applies it).
   Always refused, manifest or not: the filesystem root, the home folder, the current folder or
   any of its parents, an input of the command (equal to it, holding it or inside it), a
   symbolic link, anything that is not a folder, a name longer than the filesystem allows.
   Every ``OSError`` met while checking or writing becomes an ``OutputError`` saying
   "cannot be written: <reason>". There is no force option.
3. The output is written into a temporary sibling ``.STEM.HASH.coldstart-tmp-XXXX``, where
   STEM is the first 40 characters of the target's name and HASH the first 8 hex digits of the
   sha256 of its full name (as bytes), so sibling names stay short whatever the target's name.
   It is created on entry (which proves the parent is writable) and holds a marker
   ``.coldstart-tmp.json`` with pid, host and start time. On success the manifest is written,
   the target re-checked, the old target renamed to ``.STEM.HASH.coldstart-old-XXXX`` (and
   checked again there), the new folder renamed into place and the old one removed. If the
   body or any step fails the temporary folder is removed and the previous output is put back,
   so no hidden copy is left behind.
4. Races: a target that vanishes just before it is renamed away (another run moved it) is
   simply not there any more; one swapped for another folder meanwhile is moved away and
   checked instead. If, when the new folder is renamed into place, another coldstart run has
   just put a valid, unchanged output of the same command there, that result is kept: our
   temporary folder and our old copy are removed and an ``OutputError`` says so (a place
   found free again is tried again). If something else appeared there, nothing is put over
   it; our temporary folder is removed and the previous output, which cannot be put back, is
   moved to the visible sibling ``STEM.HASH.coldstart-previous-XXXX`` (left hidden, with its
   marker flagged ``"kept"``, only if that rename fails) and the error says where. A failure
   with the place still free puts the previous output back. Kept copies are never removed.
5. Leftovers of killed runs are removed on entry: every real folder in the target's parent
   named like a tmp/old sibling (of any target: for a STEM under 40 characters, i.e. the whole
   name, HASH must match it; the pre-hash form ``.NAME.coldstart-tmp-*``/``-old-*`` is
   recognised for the target itself) that carries our marker or manifest, when its marker
   names no live process on this host. Nothing without our marker or manifest, nothing of a
   live process, of another host or flagged ``"kept"`` is ever removed, nor an old sibling
   whose run's tmp sibling (same XXXX) still exists (that run is moving it).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from coldstart import __version__
from coldstart.errors import OutputError, Problem

MANIFEST = ".coldstart-manifest.json"
MARKER = ".coldstart-tmp.json"
TMP_TAG = "coldstart-tmp-"
OLD_TAG = "coldstart-old-"
KEPT_TAG = "coldstart-previous-"
STEM_CHARS = 40
"""Characters of the target's name kept in the names of its siblings."""

_SIBLING = re.compile(
    r"\.(?P<stem>.+)\.(?P<tag>[0-9a-f]{8})\.coldstart-(?:tmp|old)-[A-Za-z0-9_]+", re.DOTALL
)
_FOREIGN = "holds files coldstart did not write (e.g. '{}'); choose an empty or new folder"
_OLD_FORMAT = (
    "holds a coldstart manifest without checksums (older coldstart or damaged), so its files "
    "cannot be verified; choose another folder or empty this one yourself"
)
_RACE = "another coldstart run wrote this folder at the same moment; its result was kept"

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


def _name_tag(name: str) -> str:
    """First 8 hex digits of the sha256 of ``name`` as the filesystem stores it (bytes)."""
    return hashlib.sha256(os.fsencode(name)).hexdigest()[:8]


def _sibling_prefix(name: str, tag: str) -> str:
    """``.STEM.HASH.<tag>``: the start of the hidden siblings of a target called ``name``."""
    return f".{name[:STEM_CHARS]}.{_name_tag(name)}.{tag}"


def _is_sibling_name(entry: str, target: str) -> bool:
    """True when ``entry`` is named like a tmp/old sibling (of ``target`` or of any target)."""
    if entry.startswith((f".{target}.{TMP_TAG}", f".{target}.{OLD_TAG}")):  # before the hash
        return True
    found = _SIBLING.fullmatch(entry)
    if found is None:
        return False
    stem = found["stem"]
    if len(stem) < STEM_CHARS:  # the whole name: the hash can be checked
        return found["tag"] == _name_tag(stem)
    return len(stem) == STEM_CHARS


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


def _sha256(path: Path) -> str | None:
    """The sha256 of the regular file ``path`` (links not followed), or None if not one."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _fingerprint(path: Path) -> tuple[int, str]:
    """``(size, sha256)`` of a regular file; ``(-1, "")`` (matching nothing) for others."""
    st = os.lstat(path)
    digest = _sha256(path) if stat.S_ISREG(st.st_mode) else None
    return (st.st_size, digest) if digest is not None else (-1, "")


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
    """Return the manifest of ``folder`` if valid and complete.

    Valid means written by coldstart, ``command`` a str, ``files`` a list of str, and
    ``sizes``/``sha256`` maps holding an int and a str for every listed file.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder to look in.

    Returns
    -------
    dict or None
        The manifest, or None when missing, invalid or without checksums (older format).
    """
    data = _read_json(Path(folder) / MANIFEST)
    if data is None or not isinstance(data.get("command"), str):
        return None
    files, sizes, sums = data.get("files"), data.get("sizes"), data.get("sha256")
    if not isinstance(files, list) or not isinstance(sizes, dict) or not isinstance(sums, dict):
        return None
    for f in files:
        if not isinstance(f, str) or type(sizes.get(f)) is not int:
            return None
        if not isinstance(sums.get(f), str):
            return None
    return data


def _manifest_state(folder: Path) -> tuple[dict | None, str | None]:
    """``(manifest, None)``, ``(None, None)`` when there is none, or ``(None, reason)``."""
    if not os.path.lexists(folder / MANIFEST):
        return None, None
    manifest = read_manifest(folder)
    if manifest is not None:
        return manifest, None
    if _read_json(folder / MANIFEST) is None:
        return None, _FOREIGN.format(MANIFEST)
    return None, _OLD_FORMAT


def _changed_file(folder: Path, files: list[str], manifest: dict) -> str | None:
    """One of ``files`` whose size or sha256 differs from ``manifest``, or None.

    All sizes are compared first; a file is hashed only when its size matches.
    """
    sizes, sums = manifest["sizes"], manifest["sha256"]
    same_size = []
    for rel in files:
        st = os.lstat(folder / rel)
        if not stat.S_ISREG(st.st_mode) or st.st_size != sizes[rel]:
            return rel
        same_size.append(rel)
    return next((r for r in same_size if _sha256(folder / r) != sums[r]), None)


def _refusal(folder: Path, command: str | None) -> str | None:
    """Why the existing folder ``folder`` may not be replaced by ``command``, or None.

    Raises
    ------
    OSError
        When the folder cannot be read.
    """
    files = _list_files(folder)
    manifest, reason = _manifest_state(folder)
    if reason is not None:
        return reason
    allowed = set(manifest["files"]) if manifest else set()
    foreign = next((f for f in files if f not in allowed), None)
    if foreign is not None:
        return _FOREIGN.format(foreign)
    if manifest is None:
        return None  # an empty folder
    if command is not None and manifest["command"] != command:
        return (
            f"holds the output of '{manifest['command']}', not of '{command}'; "
            "choose another folder"
        )
    changed = _changed_file(folder, files, manifest)
    if changed is not None:
        return (
            f"holds files changed since coldstart wrote them (e.g. '{changed}'); "
            "choose another folder"
        )
    return None


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


def _name_too_long(target: Path, parent: Path | None) -> bool:
    """True when the last component of ``target`` is longer than ``parent``'s filesystem allows."""
    limit = 255
    if parent is not None:
        with suppress(OSError, ValueError):
            limit = os.pathconf(parent, "PC_NAME_MAX")
    return len(os.fsencode(target.name)) > limit


def _place_reason(target: Path) -> str | None:
    """Why ``target`` itself or its parent is unusable (link, file, parent file), or None.

    Raises
    ------
    OSError
        When the target cannot be looked at (e.g. its name is too long).
    """
    parent = next((p for p in target.parents if os.path.lexists(p)), None)
    if _name_too_long(target, parent):
        return _why(OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG)))
    try:
        mode = os.lstat(target).st_mode  # one look: the target may be swapped meanwhile
    except OSError as exc:  # a path too long as a whole; a missing target is fine
        if exc.errno == errno.ENAMETOOLONG:
            raise
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        return "is a symbolic link (give the real folder)"
    if mode is not None and not stat.S_ISDIR(mode):
        return "is a file, not a folder"
    if parent is not None:
        if not parent.is_dir():
            return "its parent is not a folder"
        if not os.access(parent, os.W_OK | os.X_OK):
            return "cannot be written: permission denied"
    return None


def _identity(path: Path) -> tuple[int, int] | None:
    """``(device, inode)`` of ``path`` itself (links not followed), or None if it is gone."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _stable_refusal(folder: Path, command: str | None) -> str | None:
    """:func:`_refusal` of ``folder``, checked again if another folder was renamed there meanwhile.

    Raises
    ------
    OSError
        When the folder cannot be read.
    """
    for _ in range(3):
        before = _identity(folder)
        if before is None:
            return None  # gone: nothing to replace
        try:
            reason = _refusal(folder, command)
        except FileNotFoundError:
            if _identity(folder) == before:
                raise
            continue
        if _identity(folder) == before:
            return reason
    return "was replaced again and again while coldstart checked it; try again"


def _target_reason(target: Path, inputs: Inputs, command: str | None) -> str | None:
    """Why coldstart may not write ``target`` (see :func:`check_target`), or None."""
    reason = _forbidden_reason(target, inputs) or _place_reason(target)
    if reason is None and target.is_dir():
        reason = _stable_refusal(target, command)
    return reason


def check_target(out_dir: str | Path, inputs: Inputs = (), *, command: str | None = None) -> Path:
    """Check that coldstart may write (and replace) the output folder ``out_dir``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The output folder asked for.
    inputs : sequence of str or pathlib.Path
        The input paths of the command (city folder, scenario, weather, candidates); None
        entries are skipped. The target may not equal, hold or lie inside any of them.
    command : str, optional
        The command about to write (e.g. ``"coldstart run"``); an existing output of another
        command is refused. None skips this rule (an early check before the command is known).

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
    try:
        reason = _target_reason(target, inputs, command)
    except OSError as exc:
        raise _error(target, _why(exc)) from exc
    except ValueError as exc:  # e.g. an embedded NUL or an unencodable name
        raise _error(target, f"is not a valid folder name ({exc})") from exc
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
    files = _list_files(folder)
    prints = {rel: _fingerprint(folder / rel) for rel in files}
    manifest = {
        "written_by": "coldstart",
        "version": __version__,
        "command": command,
        "created_utc": _now(),
        "files": files,
        "sizes": {rel: size for rel, (size, _) in prints.items()},
        "sha256": {rel: digest for rel, (_, digest) in prints.items()},
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def _write_marker(folder: Path, kept: bool = False) -> None:
    """Mark ``folder`` as in use by this process (so other runs leave it alone).

    With ``kept`` the folder is flagged as a copy kept for the user: never removed.
    """
    marker = {
        "written_by": "coldstart",
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        "started_utc": _now(),
    }
    if kept:
        marker["kept"] = True
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


def _companion_tmp(folder: Path) -> Path | None:
    """The tmp sibling of the run that owns the old sibling ``folder`` (same suffix), or None."""
    head, tag, suffix = folder.name.rpartition(OLD_TAG)
    return folder.with_name(f"{head}{TMP_TAG}{suffix}") if tag else None


def _remove_if_dead(folder: Path) -> None:
    """Remove the sibling ``folder`` if it carries our marker or manifest and no live owner.

    An old sibling is left alone while its run's tmp sibling exists: that run is moving it
    (its marker may be missing for a moment).
    """
    marker = _read_json(folder / MARKER)
    if marker is None and _read_json(folder / MANIFEST) is None:
        return  # not ours: never touched
    if marker is not None and marker.get("kept"):
        return  # a previous output kept for the user
    companion = _companion_tmp(folder)
    if companion is not None and os.path.lexists(companion):
        return
    if not _owner_alive(marker):
        shutil.rmtree(folder, ignore_errors=True)


def _clean_leftovers(target: Path) -> None:
    """Remove hidden siblings left by killed coldstart runs (into any target of this parent)."""
    try:
        with os.scandir(target.parent) as scan:
            entries = [e for e in scan if _is_sibling_name(e.name, target.name)]
    except OSError:
        return
    for entry in sorted(entries, key=lambda e: OLD_TAG in e.name):  # tmp first, then old
        with suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                _remove_if_dead(Path(entry.path))


def _make_tmp(target: Path) -> Path:
    """Create the marked temporary sibling of ``target`` (and missing parents)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(
            tempfile.mkdtemp(prefix=_sibling_prefix(target.name, TMP_TAG), dir=target.parent)
        )
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


def _keep(old: Path, target: Path) -> Path:
    """Move the previous output ``old`` where no later run removes it; return where it is."""
    suffix = old.name.rsplit("-", 1)[-1]
    kept = target.with_name(_sibling_prefix(target.name, KEPT_TAG)[1:] + suffix)
    try:
        if os.path.lexists(kept):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))
        os.rename(old, kept)
    except OSError:
        with suppress(OSError):
            _write_marker(old, kept=True)
        return old
    _drop_marker(kept)
    return kept


def _put_back(old: Path, target: Path) -> None:
    """Rename the previous output ``old`` back to ``target`` (or keep it and say where)."""
    try:
        os.rename(old, target)
    except OSError as exc:
        where = _keep(old, target)
        raise _error(target, f"{_why(exc)}; the previous output is kept in '{where}'") from exc
    _drop_marker(target)


def _rename_away(target: Path, old: Path) -> bool:
    """Mark ``target`` and rename it to ``old``; False when no target is there (any more)."""
    for _ in range(5):
        try:
            if not stat.S_ISDIR(os.lstat(target).st_mode):  # a link or a file
                raise _error(target, "changed while coldstart ran (is no longer a folder)")
            _write_marker(target)  # a run killed from here on leaves a recognisable folder
            os.rename(target, old)
            return True
        except FileNotFoundError:
            if not os.path.lexists(target):
                return False
            # another run swapped the place meanwhile: move its folder instead
        except OSError as exc:
            _drop_marker(target)
            raise _error(target, _why(exc)) from exc
    raise _error(target, "was replaced again and again while coldstart wrote it; try again")


def _move_away(target: Path, tmp: Path, command: str) -> Path | None:
    """Rename the existing ``target`` to its old sibling and re-check it there.

    Returns
    -------
    pathlib.Path or None
        The old sibling, or None when there is no target (any more).
    """
    old = target.with_name(_sibling_prefix(target.name, OLD_TAG) + tmp.name.rsplit("-", 1)[-1])
    if not _rename_away(target, old):
        return None
    with suppress(OSError):
        _write_marker(old)  # ours now, even if another run marked it before
    try:
        reason = None if stat.S_ISDIR(os.lstat(old).st_mode) else "is no longer a folder"
        reason = reason or _refusal(old, command)
    except OSError as exc:
        reason = _why(exc)
    if reason is not None:  # replaced by someone else since we checked: hands off
        _put_back(old, target)
        raise _error(target, f"changed while coldstart ran: {reason}")
    return old


def _is_output_of(folder: Path, command: str) -> bool:
    """True when ``folder`` is a real folder holding an unchanged output of ``command``
    (and stayed the same folder while being checked)."""
    try:
        st = os.lstat(folder)
        if not stat.S_ISDIR(st.st_mode) or read_manifest(folder) is None:
            return False
        return _refusal(folder, command) is None and _identity(folder) == (st.st_dev, st.st_ino)
    except OSError:
        return False


def _try_put_back(old: Path, target: Path) -> bool:
    """Rename ``old`` back to ``target`` unless something is there; True when done."""
    if os.path.lexists(target):
        return False
    try:
        os.rename(old, target)
    except OSError:
        return False
    _drop_marker(target)
    return True


def _landing_failed(exc: OSError, tmp: Path, old: Path | None, target: Path) -> NoReturn:
    """Clean up after ``tmp`` could not be renamed onto ``target``, and raise why.

    The previous output ``old`` is put back if the place is free; else anything there is left
    alone and ``old`` kept where no later run removes it.
    """
    shutil.rmtree(tmp, ignore_errors=True)
    reason = _why(exc)
    if old is not None and _try_put_back(old, target):
        raise _error(target, reason) from exc
    if os.path.lexists(target):
        reason += "; something else appeared there meanwhile and was left alone"
    if old is not None:
        reason += f"; the previous output is kept in '{_keep(old, target)}'"
    raise _error(target, reason) from exc


def _land(tmp: Path, target: Path, command: str, old: Path | None) -> None:
    """Rename ``tmp`` onto ``target``; when another run got there first, keep its result.

    A place found taken and then free or swapped again (another run at work) is tried again.
    """
    for _ in range(5):
        try:
            os.rename(tmp, target)
            return
        except OSError as exc:
            failure = exc
        if failure.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            break
        before = _identity(target)
        if _is_output_of(target, command):  # another run landed first: its result stays
            shutil.rmtree(tmp, ignore_errors=True)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            raise _error(target, _RACE) from failure
        if before is not None and _identity(target) == before:
            break  # something else, and it stays there
        # gone or swapped while we looked: another run is at work, try again
    _landing_failed(failure, tmp, old, target)


def _swap(tmp: Path, target: Path, command: str) -> None:
    """Put the finished ``tmp`` in place of ``target``, removing the previous output."""
    old = _move_away(target, tmp, command)
    _land(tmp, target, command, old)
    _drop_marker(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def owned_output(out_dir: str | Path, *, command: str, inputs: Inputs = ()) -> Iterator[Path]:
    """Write an output folder whole, replacing it only if coldstart owns it.

    Checks the target (:func:`check_target` with ``command``), removes leftovers of killed
    runs in the target's parent and creates the temporary sibling folder, all on entry; enter
    the context before a long computation so a bad ``--out`` fails at once.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The output folder.
    command : str
        Recorded in the manifest (e.g. ``"coldstart run"``); an existing output of another
        command is not replaced.
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
        When the target is refused, on entry or (if it changed meanwhile) on exit, when a
        folder cannot be created or renamed, or when another run wrote it at the same moment.
    """
    target = check_target(out_dir, inputs, command=command)
    _clean_leftovers(target)
    tmp = _make_tmp(target)
    try:
        yield tmp
        try:
            write_manifest(tmp, command)
        except OSError as exc:
            raise _error(target, _why(exc)) from exc
        check_target(target, inputs, command=command)
        _swap(tmp, target, command)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_text_atomic(path: str | Path, text: str, newline: str | None = None) -> Path:
    """Write ``text`` to the file ``path`` whole: into a temporary sibling renamed into place,
    so a reader (or a crash) never sees half a file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; its folder must exist.
    text : str
        UTF-8 text.
    newline : str, optional
        Passed to :func:`open` (``""`` keeps ``"\\r\\n"`` as written, for iCalendar files).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

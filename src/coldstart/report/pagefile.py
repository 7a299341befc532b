"""Where a command's HTML page may be written, and writing it whole.

Every page coldstart writes carries ``<meta name="generator" content="...">`` naming the
command that wrote it (``coldstart diff``, ``coldstart store report``, ...). A command replaces
only a page its own command wrote, never another file (a user's kept report, notes, or the page
of another command). ``coldstart diff`` and ``coldstart store report`` check their ``--out``
through :func:`check_page_out` and write it with :func:`write_page` (a temporary sibling
renamed into place), so both refuse and write alike.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from coldstart.errors import OutputError, Problem

PAGE_SUFFIXES = (".html", ".htm")
"""File name endings of a page (case-insensitive)."""

HEAD_BYTES = 4096
"""How much of an existing file is read to find its generator tag (it sits in the head)."""


def generator_tag(generator: str) -> str:
    """The ``<meta name="generator">`` tag of a page written by ``generator``."""
    return f'<meta name="generator" content="{html.escape(generator)}">'


def written_by(path: str | Path, generator: str) -> bool:
    """Whether ``path`` is a page ``generator`` wrote (its head carries that exact tag).

    Parameters
    ----------
    path : str or pathlib.Path
        An existing file.
    generator : str
        The command, e.g. ``"coldstart diff"``.

    Returns
    -------
    bool
        False for an unreadable file or a page of any other command.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    if generator_tag(generator).encode() in head:
        return True
    # a page of an older coldstart, whose pages all carried the tag "coldstart": its own
    # title tells which command wrote it
    older = LEGACY_TITLES.get(generator)
    return older is not None and generator_tag("coldstart").encode() in head and older in head


LEGACY_TITLES = {"coldstart diff": b"<title>coldstart diff: "}
"""The title that marks a command's page written before pages named their command."""


def _refuse(out: str, why: str) -> OutputError:
    return OutputError(Problem(out or "--out", "", "", why))


def check_page_out(out: str | Path, generator: str, inside: Sequence[Path] = ()) -> Path:
    """The file a command may write its page to, or an error saying why not.

    Parameters
    ----------
    out : str or pathlib.Path
        The ``--out`` value as given.
    generator : str
        The command writing the page; an existing file is replaced only when it carries this
        command's generator tag (:func:`written_by`).
    inside : sequence of pathlib.Path, optional
        Folders the page may not be written into (e.g. the result folders compared).

    Returns
    -------
    pathlib.Path
        ``out`` as a path.

    Raises
    ------
    coldstart.errors.OutputError
        When ``out`` is empty, does not end in ``.html``/``.htm``, is a folder or a symbolic
        link, lies in one of ``inside``, its folder does not exist, or it is a file this
        command did not write (left alone).
    """
    text = str(out)
    if not text.strip():
        raise _refuse("--out", "no file name given; give a file name ending in .html")
    if "\0" in text:
        raise _refuse(text.replace("\0", "\\0"), "is not a valid file name (a NUL character)")
    try:
        return _check_path(text, generator, inside)
    except OSError as exc:  # e.g. a name too long for the file system
        raise _refuse(text, f"cannot be written: {exc.strerror or exc}") from None


def _check_path(text: str, generator: str, inside: Sequence[Path]) -> Path:
    """The checks of :func:`check_page_out` that ask the file system."""
    path = Path(text)
    if path.is_dir():
        raise _refuse(text, "is a folder; give a file name ending in .html")
    if path.suffix.lower() not in PAGE_SUFFIXES:
        raise _refuse(text, "expected a file name ending in .html (or .htm)")
    if path.is_symlink():
        raise _refuse(text, "is a symbolic link; give another name (it is left alone)")
    parent = path.absolute().parent
    for folder in inside:
        top = folder.absolute().resolve()
        if parent.resolve() == top or top in parent.resolve().parents:
            raise _refuse(text, f"lies inside the folder '{folder}'; write the page elsewhere")
    if not parent.is_dir():
        raise _refuse(text, "its folder does not exist; make it first or give another name")
    if path.exists() and not written_by(path, generator):
        why = f"exists and is not a page {generator} wrote; give another name (it is left alone)"
        raise _refuse(text, why)
    return path


def write_page(path: Path, text: str) -> Path:
    """Write a page checked by :func:`check_page_out` whole (a temporary sibling renamed into
    place: never half a file); an unwritable folder raises :class:`~coldstart.errors.OutputError`.
    """
    from coldstart.outdir import write_text_atomic

    try:
        return write_text_atomic(path, text)
    except OSError as exc:
        raise _refuse(str(path), f"cannot be written: {exc.strerror or exc}") from None

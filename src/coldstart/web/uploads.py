"""Unpacking an uploaded zipped city folder without trusting the zip.

Every member is checked before anything is written: no absolute path, drive or ``..`` part, no
backslash, no link or device (the Unix mode of the member), no encrypted member, at most
``max_members`` members, a bounded total size and a bounded packed-to-unpacked ratio, so a zip
bomb is refused. While a member is written its bytes are counted again (the sizes in the zip's
directory may lie). Everything lands inside one fresh folder.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CHUNK_BYTES = 1 << 16
"""Bytes read at a time while a member is unpacked."""


class UploadRejected(Exception):
    """An upload refused before or while unpacking; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ZipLimits:
    """Bounds on an uploaded zip: members, total unpacked size [bytes], unpacked/packed ratio."""

    max_members: int
    max_total_bytes: int
    max_ratio: float


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member may not be unpacked (None when it may)."""
    name = info.filename
    if "\\" in name or "\0" in name:
        return "has a backslash or NUL in its name"
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        return "has an absolute path"
    if ".." in path.parts:
        return "has '..' in its path"
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix type recorded (a plain file)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return "is a link or a special file"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


def check_members(zf: zipfile.ZipFile, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    """The zip's members after every check on its directory.

    Raises
    ------
    UploadRejected
        Naming the first bad member; 413 when the zip unpacks too large.
    """
    infos = zf.infolist()
    if not infos:
        raise UploadRejected("the zip is empty")
    if len(infos) > limits.max_members:
        raise UploadRejected(f"the zip has {len(infos):,} members; at most {limits.max_members:,}")
    total = 0
    for info in infos:
        why = _member_problem(info)
        if why:
            raise UploadRejected(f"zip member {info.filename[:200]!r} {why}")
        total += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > limits.max_ratio * packed and info.file_size > CHUNK_BYTES:
            raise UploadRejected(
                f"zip member {info.filename[:200]!r} unpacks {info.file_size / packed:,.0f} "
                "times its packed size (a zip bomb?)",
                413,
            )
    if total > limits.max_total_bytes:
        raise UploadRejected(
            f"the zip unpacks to {total:,} bytes; at most {limits.max_total_bytes:,}", 413
        )
    return infos


def _copy_counted(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: list[int]):
    """Write one member, counting its bytes against ``budget[0]`` (what is left)."""
    with zf.open(info) as src, open(dest, "xb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UploadRejected("the zip unpacks larger than it says (a zip bomb?)", 413)
            dst.write(chunk)


def unpack_zip(data: bytes, folder: Path, limits: ZipLimits) -> Path:
    """Unpack ``data`` (a zip) into the new folder ``folder``; return the city's root.

    The root is ``folder`` itself, or its only subfolder when the zip holds one folder (a
    zipped city folder) and no ``city.toml`` at the top.

    Raises
    ------
    UploadRejected
        Not a zip, a bad member, too large (413).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UploadRejected(f"not a zip file ({exc})") from None
    with zf:
        infos = check_members(zf, limits)
        folder.mkdir(parents=True)
        root = folder.resolve()
        budget = [limits.max_total_bytes]
        try:
            for info in infos:
                dest = (folder / info.filename).resolve()
                if not dest.is_relative_to(root):
                    raise UploadRejected(f"zip member {info.filename[:200]!r} leaves the folder")
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                _copy_counted(zf, info, dest, budget)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            raise UploadRejected(f"the zip cannot be unpacked ({exc})") from None
    entries = [p for p in folder.iterdir() if not p.name.startswith("__MACOSX")]
    if not (folder / "city.toml").exists() and len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder

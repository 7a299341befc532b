"""The settings of a dashboard server (``coldstart serve``) and the folders it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """What a dashboard server serves and its limits.

    Parameters
    ----------
    data_dir : pathlib.Path
        The server's data folder: uploaded cities (``cities/``), run output folders
        (``runs/``) and job records (``jobs/``).
    store_dir : pathlib.Path
        The run store (:mod:`coldstart.sweep.store`), shared with ``coldstart sweep``
        (``coldstart serve`` makes it ``data_dir / "store"`` unless ``--store`` is given).
    cities_dir : pathlib.Path, optional
        A folder of city folders (each with ``city.toml``) offered besides the demo.
    token : str, optional
        When set, every ``/api/`` route but health needs ``Authorization: Bearer <token>``.
    demo_buildings : int
        Buildings of the built-in demo city (the demo's 2,000; tests use fewer).
    max_upload_bytes : int
        Largest request body [bytes] (a zipped city included); larger ones get 413.
    max_unzipped_bytes : int
        Largest total size of an uploaded zip's members once unpacked [bytes].
    max_zip_members : int
        Most members of an uploaded zip.
    max_zip_ratio : float
        Largest ratio of a member's unpacked to packed size (a zip bomb has thousands).
    queue_size : int
        Most jobs waiting or running at once; one more gets 429.
    workers : int
        Dask worker processes of a sweep (1: in the server's process), as ``coldstart sweep``.
    scheduler : str, optional
        A Dask scheduler for sweeps, as ``coldstart sweep --scheduler``.
    cors_origins : tuple of str
        Origins allowed to call the API from other pages (none by default: CORS closed).
    """

    data_dir: Path
    store_dir: Path
    cities_dir: Path | None = None
    token: str | None = None
    demo_buildings: int = 2000
    max_upload_bytes: int = 64 * MIB
    max_unzipped_bytes: int = 512 * MIB
    max_zip_members: int = 1000
    max_zip_ratio: float = 200.0
    queue_size: int = 16
    workers: int = 1
    scheduler: str | None = None
    cors_origins: tuple[str, ...] = field(default_factory=tuple)

    @property
    def uploads_dir(self) -> Path:
        """Uploaded cities, one folder per upload."""
        return self.data_dir / "cities"

    @property
    def runs_dir(self) -> Path:
        """Output folders of the runs started here, one per run id."""
        return self.data_dir / "runs"

    @property
    def jobs_dir(self) -> Path:
        """One JSON record per job (queued, running, finished or failed)."""
        return self.data_dir / "jobs"

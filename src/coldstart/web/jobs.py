"""The bounded job queue of a dashboard: runs and sweeps, one at a time, in order.

A job is recorded as ``jobs/<id>.json`` in the server's data folder when it is queued, and
again when it starts, finishes or fails; the record says what to run (city, scenario text,
seeds) and how far it got. At most ``size`` jobs wait or run at once (:class:`QueueFull`
beyond). One thread takes jobs in order: a run uses the server's compiled city in this process,
a sweep the executor of ``coldstart sweep``. A server stopped with jobs queued or running marks
them failed when it starts again (their finished runs are in the store already).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger("coldstart.web")

UNFINISHED = ("queued", "running")
"""Statuses of a job not done yet."""

RESTART_ERROR = "the server stopped before this job finished; start it again"
"""Error of a job found unfinished when the server starts."""


class QueueFull(Exception):
    """No room for another job."""


class JobFailed(Exception):
    """A job that failed for a reason its message says in full (e.g. a run whose simulation
    failed: its error is stored with the run); not logged as a bug."""

    expected = True


@dataclass
class Job:
    """One queued run or sweep and how far it got.

    Parameters
    ----------
    job_id : str
        The run id (a run) or the sweep id (a sweep).
    kind : str
        ``"run"`` or ``"sweep"``.
    request : dict
        What to do: ``city``, ``scenario`` (TOML text), ``seed`` or ``seeds`` and ``policies``.
    status : str
        ``queued``, ``running``, ``done`` or ``failed``.
    done, total : int
        Steps (a run) or runs (a sweep) done and to do.
    error : str
        One line saying why it failed.
    created : float
        When it was queued [s since the epoch].
    """

    job_id: str
    kind: str
    request: dict
    status: str = "queued"
    done: int = 0
    total: int = 0
    error: str = ""
    created: float = field(default_factory=time.time)

    @property
    def progress(self) -> float:
        """Share done, 0..1."""
        if self.status == "done":
            return 1.0
        return self.done / self.total if self.total else 0.0

    def public(self) -> dict:
        """What the API shows (no request body)."""
        return {
            "id": self.job_id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(self.progress, 4),
            "done": self.done,
            "total": self.total,
            "error": self.error or None,
            "city": self.request.get("city"),
            "seed": self.request.get("seed"),
            "created": self.created,
        }


Work = Callable[[Job], None]
"""Does a job: updates ``done``/``total``, raises to fail it (its message is kept)."""


class JobQueue:
    """A bounded queue of jobs with one worker thread and a record per job on disk."""

    def __init__(self, folder: Path, size: int, work: dict[str, Work]):
        self.folder, self.size, self.work = Path(folder), size, work
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._recover()
        self._thread = threading.Thread(target=self._loop, name="coldstart-jobs", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ records

    def _save(self, job: Job) -> None:
        path = self.folder / f"{job.job_id}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(job)))
        os.replace(tmp, path)

    def _recover(self) -> None:
        """Load the records; jobs left unfinished by a stopped server are marked failed."""
        for path in sorted(self.folder.glob("*.json")):
            try:
                job = Job(**json.loads(path.read_text()))
            except (ValueError, TypeError, OSError):
                log.warning("unreadable job record %s skipped", path)
                continue
            if job.status in UNFINISHED:
                job.status, job.error = "failed", RESTART_ERROR
                self._save(job)
            self._jobs[job.job_id] = job

    # ------------------------------------------------------------------ use

    def get(self, job_id: str) -> Job | None:
        """The job ``job_id`` (None when unknown)."""
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self, kind: str | None = None) -> list[Job]:
        """Every job (of ``kind``), newest first."""
        with self._lock:
            found = [j for j in self._jobs.values() if kind is None or j.kind == kind]
        return sorted(found, key=lambda j: -j.created)

    def submit(self, job: Job) -> Job:
        """Queue ``job`` unless a job of that id is queued or running (that one is returned).

        Raises
        ------
        QueueFull
            ``size`` jobs are waiting or running already.
        """
        with self._lock:
            have = self._jobs.get(job.job_id)
            if have is not None and have.status in UNFINISHED:
                return have
            busy = sum(j.status in UNFINISHED for j in self._jobs.values())
            if busy >= self.size:
                raise QueueFull(f"{busy} jobs are queued or running; try again later")
            self._jobs[job.job_id] = job
            self._save(job)
        self._queue.put(job)
        return job

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the worker thread after the job it is doing [s to wait]."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None:
            job.status = "running"
            self._save(job)
            try:
                self.work[job.kind](job)
                job.status = "done"
            except Exception as exc:  # recorded with the job; the queue goes on
                job.status = "failed"
                job.error = job_error(exc)
                if not getattr(exc, "expected", False):
                    log.error("job %s failed", job.job_id, exc_info=exc)
            self._save(job)


def job_error(exc: Exception) -> str:
    """One line for a failed job: the input's messages, or the exception's first line."""
    from coldstart.errors import InputError

    if isinstance(exc, InputError):
        return "; ".join(str(p) for p in exc.problems)[:2000]
    if isinstance(exc, JobFailed):
        return str(exc)[:2000]
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}"[:2000]

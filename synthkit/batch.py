"""Fleet batches: one papermill run per machine and grid point, on Dask.

By default a ``LocalCluster`` of worker processes (one thread each, no dashboard) runs the jobs;
with ``scheduler`` they run on an existing cluster, whose workers must see the same workspace and
output folder (checked before any job starts). Workers stream every progress event back to the
client as they happen (``Worker.log_event``), so the terminal shows live progress. A failing job
keeps its executed notebook and its error; the others go on; a cancel still writes the summary.
``batch`` knows nothing about TVAE: it runs notebooks, and the notebooks call the service.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from synthkit._checks import check_int
from synthkit.errors import InvalidParameterError, MissingArtifactError
from synthkit.events import ProgressEvent
from synthkit.machines import get_machine, list_machines
from synthkit.sinks import REDIS_ENV
from synthkit.workspace import Workspace, atomic_path, validate_id, write_json

TOPIC = "synthkit-progress"
SUMMARY_COLUMNS = [
    "job",
    "machine_id",
    "parameters",
    "status",
    "duration_s",
    "quality",
    "failure_rate_ratio",
    "output_path",
    "result_path",
    "report_path",
    "failed_cell",
    "error",
]


@dataclass(frozen=True)
class BatchJob:
    name: str
    machine_id: str
    parameters: dict[str, Any]


@dataclass
class BatchResult:
    out_dir: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["status"] != "SUCCESS"]

    @property
    def summary_csv(self) -> str:
        return str(Path(self.out_dir) / "summary.csv")

    @property
    def summary_json(self) -> str:
        return str(Path(self.out_dir) / "summary.json")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"summary_csv": self.summary_csv, "summary_json": self.summary_json}


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    """``NAME=V1,V2`` strings to {NAME: [values]} (values read like ``-p`` values)."""
    from synthkit.runner import parse_value

    grid = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name or not values:
            raise InvalidParameterError(f"A grid entry must look like NAME=V1,V2. Got {item!r} instead.")
        grid[name] = [parse_value(v) for v in values.split(",")]
    return grid


def plan_jobs(machines: list[str], parameters: dict[str, Any], grid: dict[str, list[Any]]) -> list[BatchJob]:
    """One job per machine and grid point, named after both (names are folder names).

    With a grid, each point also gets its own ``model_name`` (the grid values, e.g. ``tvae`` or
    ``gaussian_copula-epochs-50``), so jobs of one machine train and generate from their own model
    side by side instead of sharing one."""
    names = list(grid)
    jobs = []
    for machine_id in machines:
        for values in itertools.product(*(grid[n] for n in names)):
            point = dict(zip(names, values))
            suffix = "".join(f"-{n}-{v}" for n, v in point.items())
            name = "".join(c if c.isalnum() or c in "_-" else "_" for c in f"{machine_id}{suffix}".lower())[
                :64
            ]
            model_name = _model_name(point) if point else None
            extra = {"model_name": model_name} if model_name and "model_name" not in parameters else {}
            jobs.append(
                BatchJob(name, machine_id, {**parameters, **point, **extra, "machine_id": machine_id})
            )
    if len({j.name for j in jobs}) != len(jobs):
        raise InvalidParameterError("Two batch jobs would share one output folder; shorten the grid values.")
    return jobs


def _model_name(point: dict[str, Any]) -> str:
    """A model name for one grid point: its values, the model kind first (a valid id)."""
    parts = [str(point["model"])] if "model" in point else []
    parts += [f"{n}-{v}" for n, v in point.items() if n != "model"]
    text = "-".join(parts).lower()
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in text)[:64]


def _execute_job(notebook: str, job: BatchJob, out_dir: str, env: dict[str, str]) -> dict[str, Any]:
    """Runs on a worker: one notebook, events sent back to the client as they happen."""
    from synthkit.runner import _environment, run_notebook

    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        worker = None

    def forward(event: ProgressEvent) -> None:
        if worker is not None:
            worker.log_event(TOPIC, {"job": job.name, "event": event.to_dict(), "sent": time.time()})

    folder = Path(out_dir) / job.name
    with _environment(**env):
        result = run_notebook(notebook, job.parameters, folder / "output.ipynb", on_event=forward)
    recorded = result.result or {}
    return {
        "job": job.name,
        "machine_id": job.machine_id,
        "parameters": json.dumps(
            {k: v for k, v in job.parameters.items() if k != "machine_id"}, sort_keys=True
        ),
        "status": result.status,
        "duration_s": result.duration_s,
        "quality": recorded.get("quality"),
        "failure_rate_ratio": recorded.get("failure_rate_ratio"),
        "output_path": result.output_path,
        "result_path": result.result_path,
        "report_path": recorded.get("report_path"),
        "failed_cell": result.failed_cell,
        "error": result.error,
        "finished": time.time(),
    }


def _probe(paths: list[str], token: str) -> bool:
    """Runs on each worker: can it read the probe files the client wrote?"""
    return all(Path(p).is_file() and Path(p).read_text() == token for p in paths)


def _check_shared_storage(client: Any, folders: list[Path]) -> None:
    token = uuid.uuid4().hex
    probes = [folder / f".synthkit-probe-{token}" for folder in folders]
    for probe in probes:
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text(token)
    try:
        seen = client.run(_probe, [str(p) for p in probes], token)
    finally:
        for probe in probes:
            probe.unlink(missing_ok=True)
    blind = sorted(address for address, ok in seen.items() if not ok)
    if not seen:
        raise InvalidParameterError("The Dask cluster has no workers.")
    if blind:
        raise InvalidParameterError(
            f"Worker(s) {', '.join(blind)} cannot see {', '.join(str(f) for f in folders)}: the workspace "
            "and the output folder must be on storage every worker shares."
        )


def write_summary(result: BatchResult) -> None:
    rows = sorted(result.rows, key=lambda r: r["job"])
    with atomic_path(result.summary_csv) as tmp:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        tmp.write_text(buffer.getvalue())
    write_json(
        result.summary_json, {"out_dir": result.out_dir, "interrupted": result.interrupted, "jobs": rows}
    )


def run_batch(
    notebook: str | os.PathLike,
    machines: list[str] | None = None,
    all_machines: bool = False,
    parameters: dict[str, Any] | None = None,
    grid: dict[str, list[Any]] | None = None,
    out_dir: str | os.PathLike = "batch-out",
    workers: int = 2,
    scheduler: str | None = None,
    workspace: str | os.PathLike | None = None,
    on_event: Callable[[str, ProgressEvent], None] | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    progress_redis: str | None = None,
) -> BatchResult:
    """Run ``notebook`` once per machine and grid point on Dask; write summary.csv and summary.json.

    With ``progress_redis`` every task inside the notebooks also publishes its events on Redis.
    """
    from distributed import Client, LocalCluster, as_completed

    notebook = Path(notebook).absolute()
    if not notebook.is_file():
        raise MissingArtifactError(f"Notebook {str(notebook)!r} does not exist.")
    ws = Workspace(workspace)
    if all_machines == bool(machines):
        raise InvalidParameterError("Name machines with --machine ID (one or more) or pass --all, not both.")
    ids = [m.machine_id for m in list_machines(ws.root)] if all_machines else list(machines)
    for machine_id in ids:
        get_machine(machine_id, ws.root)
    workers = check_int("run_batch", "workers", workers, 1, 256)
    jobs = plan_jobs(ids, {**(parameters or {}), "workspace": str(ws.root)}, grid or {})
    for job in jobs:
        validate_id(job.name, "job name")
    out = Path(out_dir).absolute()
    out.mkdir(parents=True, exist_ok=True)
    result = BatchResult(str(out))

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
        _check_shared_storage(client, [out, ws.root])
        threads = 1
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        threads = max(1, (os.cpu_count() or 1) // workers)
    env = {"SYNTHKIT_TORCH_THREADS": str(threads)}
    if progress_redis:
        env[REDIS_ENV] = progress_redis
    if on_event is not None:
        client.subscribe_topic(
            TOPIC, lambda item: on_event(item[1]["job"], ProgressEvent.from_dict(item[1]["event"]))
        )
    futures = {
        client.submit(
            _execute_job,
            str(notebook),
            job,
            str(out),
            env,
            key=f"synthkit-{job.name}-{uuid.uuid4().hex[:6]}",
            pure=False,
            retries=1,
        ): job
        for job in jobs
    }
    try:
        for future in as_completed(futures):
            job = futures[future]
            try:
                row = future.result()
            except Exception as error:  # a worker died twice, or the job could not start
                row = {
                    "job": job.name,
                    "machine_id": job.machine_id,
                    "status": "FAILURE",
                    "parameters": json.dumps(job.parameters, sort_keys=True),
                    "error": f"{type(error).__name__}: {error}",
                }
            result.rows.append(row)
            if on_done is not None:
                on_done(row)
    except KeyboardInterrupt:
        result.interrupted = True
        finished = {r["job"] for r in result.rows}
        for future, job in futures.items():
            future.cancel()
            if job.name not in finished:
                result.rows.append(
                    {
                        "job": job.name,
                        "machine_id": job.machine_id,
                        "status": "CANCELLED",
                        "parameters": json.dumps(job.parameters, sort_keys=True),
                    }
                )
    finally:
        write_summary(result)
        client.close()
        if cluster is not None:
            cluster.close()
    return result

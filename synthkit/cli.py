"""The ``synthkit`` command: one subcommand per job, each a thin wrapper over the public API.

Errors become one line ``error: ...`` on stderr, never a traceback, and the exit status says
which kind: 2 bad input (a parameter, a table, a missing seed/model/run), 1 a failed task (or an
unexpected error, shown as ``error: Type: message``), 3 a file that fails its integrity or version
check, or a machine busy with the same job, 130 a cancel. ``--json`` prints one JSON document on
stdout; ``--version`` prints the version.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from synthkit import errors
from synthkit.machines import get_machine, list_machines

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CONFLICT, EXIT_CANCELLED = 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage problem as one ``error:`` line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see `{self.prog} --help`)\n")


def print_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    """Print rows as an aligned text table."""
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def emit_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, default=str))


def _seed_summary(machine_id: str, workspace: str | None) -> dict[str, Any]:
    from synthkit.store import seed_manifest

    try:
        manifest = seed_manifest(machine_id, workspace)
    except errors.MissingArtifactError:
        return {"seed_rows": None, "seed_created_at": None}
    return {"seed_rows": manifest["rows"], "seed_created_at": manifest["created_at"]}


def cmd_machines(args: argparse.Namespace) -> int:
    rows = [
        {**m.to_dict(), **_seed_summary(m.machine_id, args.workspace)} for m in list_machines(args.workspace)
    ]
    if args.json:
        emit_json(rows)
        return 0
    for row in rows:
        row["sensors"] = len(row["sensors"])
        row["failure_modes"] = len(row["failure_modes"])
        row["seed_rows"] = "-" if row["seed_rows"] is None else f"{row['seed_rows']:,}"
    print_table(rows, ["machine_id", "type", "sensors", "failure_modes", "seed_rows", "description"])
    return 0


def ask_before_replacing(args: argparse.Namespace, what: list[str]) -> None:
    """Replacing data asks first: a yes/no prompt on a terminal, else ``--replace`` is required.
    ``what`` says what would be replaced; nothing is asked when it is empty."""
    if not what or args.replace:
        return
    said = "; ".join(what)
    if sys.stdin.isatty() and not args.json:
        answer = input(f"{said}. Replace? [y/N] ")
        if answer.strip().lower() in ("y", "yes"):
            return
        raise errors.TaskCancelledError("Nothing was replaced.")
    raise errors.InvalidParameterError(f"{said}. Pass --replace to replace it; nothing was changed.")


def cmd_seed(args: argparse.Namespace) -> int:
    from synthkit.seed import generate_seed_data

    ids = [m.machine_id for m in list_machines(args.workspace) if m.builtin] if args.all else args.machine_id
    if not ids:
        raise errors.InvalidParameterError("Name at least one MACHINE_ID, or pass --all.")
    for machine_id in ids:  # check every id before making any data
        get_machine(machine_id, args.workspace)
    seeded = {m: _seed_summary(m, args.workspace) for m in ids}
    ask_before_replacing(
        args,
        [
            f"{m} already has {s['seed_rows']:,} rows of seed data (made {s['seed_created_at']})"
            for m, s in seeded.items()
            if s["seed_rows"] is not None
        ],
    )
    results = []
    for machine_id in ids:
        result = generate_seed_data(machine_id, args.samples, args.seed, workspace=args.workspace)
        results.append(result.to_dict())
        if not args.json:
            print(f"seeded {machine_id}: {result.samples_generated:,} rows", file=sys.stderr, flush=True)
    if args.json:
        emit_json(results[0] if len(results) == 1 and not args.all else results)
        return 0
    import pandas as pd

    for row in results:
        labels = pd.read_parquet(row["file_path"], columns=["failure"])
        row["failure_rate"] = f"{labels['failure'].mean():.2%}"
        row["rows"] = f"{row['samples_generated']:,}"
    print_table(results, ["machine_id", "rows", "failure_rate", "file_size_mb", "file_path"])
    return 0


ROLE_FLAGS = ("id", "label", "category", "numeric", "datetime", "ignore")


def _roles_given(args: argparse.Namespace) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """--id/--label/... COL and --normal COL=VALUE as the roles and no-failure values they set."""
    roles: dict[str, str] = {}
    for role in ROLE_FLAGS:
        for column in getattr(args, f"role_{role}") or ():
            if roles.get(column, role) != role:
                raise errors.InvalidParameterError(
                    f"column {column!r} was given two roles: {roles[column]!r} and {role!r}."
                )
            roles[column] = role
    normals: dict[str, list[str]] = {}
    for item in args.normal or ():
        column, sep, value = item.partition("=")
        if not sep or not column:
            raise errors.InvalidParameterError(f"--normal takes COLUMN=VALUE. Got {item!r} instead.")
        normals.setdefault(column, []).append(value)
    given = {c: values[0] if len(values) == 1 else values for c, values in normals.items()}
    return roles or None, given or None


def _print_roles(roles: Any, notes: list[str]) -> None:
    print_table(roles.table(), ["column", "role", "normal", "why"])
    for note in notes:
        print(note)


def _long_format(args: argparse.Namespace) -> tuple[str, str] | bool | None:
    if args.long and args.not_long:
        raise errors.InvalidParameterError("--long and --not-long cannot be given together.")
    return tuple(args.long) if args.long else (False if args.not_long else None)


def cmd_register(args: argparse.Namespace) -> int:
    from synthkit.registration import prepare, register_machine

    roles, normals = _roles_given(args)
    long_format = _long_format(args)
    files = args.file if len(args.file) > 1 else args.file[0]
    if args.dry_run:
        prepared = prepare(files, roles, normals, args.no_label, long_format)
        if args.json:
            emit_json(prepared.roles.to_dict())
        else:
            _print_roles(prepared.roles, prepared.notes)
            print("(dry run: nothing registered)")
        return 0
    machine = register_machine(
        args.machine_id,
        files,
        args.description,
        replace=args.replace,
        workspace=args.workspace,
        roles=roles,
        normals=normals,
        no_label=args.no_label,
        long_format=long_format,
    )
    if args.json:
        emit_json({**machine.to_dict(), **_seed_summary(machine.machine_id, args.workspace)})
    else:
        from synthkit.roles import Roles

        _print_roles(Roles.from_dict(machine.column_roles), machine.reading_notes())
        print(
            f"registered {machine.machine_id}: {len(machine.sensors)} numeric sensors, "
            f"labels {list(machine.label_columns) or 'none'}"
        )
    return 0


def cmd_roles(args: argparse.Namespace) -> int:
    import warnings

    from synthkit.registration import StaleModelWarning, update_roles
    from synthkit.store import load_seed

    roles, normals = _roles_given(args)
    if roles is None and normals is None and not args.no_label:
        machine = get_machine(args.machine_id, args.workspace)
        resolved = machine.roles_for(load_seed(args.machine_id, args.workspace)[0])
        stale = None
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StaleModelWarning)
            machine = update_roles(args.machine_id, roles, normals, args.no_label, workspace=args.workspace)
        from synthkit.roles import Roles

        resolved = Roles.from_dict(machine.column_roles)
        stale = next((str(w.message) for w in caught if issubclass(w.category, StaleModelWarning)), None)
    if args.json:
        emit_json({**resolved.to_dict(), "stale_model": stale})
        return 0
    _print_roles(resolved, machine.reading_notes())
    if stale:
        print(f"warning: {stale}", file=sys.stderr)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from synthkit.store import list_models

    get_machine(args.machine_id, args.workspace)
    rows = list_models(args.machine_id, args.workspace)
    if args.json:
        emit_json(rows)
        return 0
    print_table(rows, ["name", "kind", "epochs", "trained_at", "best_quality", "size_mb"])
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from synthkit.compare import compare_models, compare_path

    table = compare_models(args.machine_id, args.models, rows=args.rows, workspace=args.workspace)
    if args.json:
        emit_json(table.to_dict(orient="records"))
        return 0
    shown = table[["model", "kind", "quality", "min_label_rate_ratio", "max_label_rate_ratio"]]
    shown = shown.assign(
        **{c: table[c] for c in ("roc_auc_synthetic", "pr_auc_synthetic", "fit_s", "rows_per_s")}
    )
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"figures: {compare_path(args.machine_id, args.workspace)}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from synthkit.app import serve

    return serve(args.ip, args.port, args.token, args.workspace)


def _add_role_options(p: argparse.ArgumentParser) -> None:
    for role in ROLE_FLAGS:
        p.add_argument(
            f"--{role}",
            dest=f"role_{role}",
            action="append",
            metavar="COL",
            help=f"give column COL the role {role!r} (repeatable)",
        )
    p.add_argument(
        "--normal",
        action="append",
        metavar="COL=VALUE",
        help="a no-failure value of label COL (repeat for several: --normal state=RUN --normal state=IDLE)",
    )
    p.add_argument(
        "--no-label", action="store_true", help="a table without failures: labels become categories"
    )


def run_job(
    task: Callable[..., Any], options: argparse.Namespace, *args: Any, unit: str = "step", **kwargs: Any
) -> Any:
    """Run a task in a background job with a bar on stderr; Ctrl-C cancels it cleanly.

    The options every task command shares come from ``options``: --workspace, --quiet and
    --progress-redis.
    """
    from synthkit.jobs import submit
    from synthkit.sinks import TqdmSink

    sinks = (*_redis_sinks(options.progress_redis), *(() if options.quiet else (TqdmSink(unit=unit),)))
    job = submit(task, *args, sinks=sinks, workspace=options.workspace, **kwargs)
    print(f"task {job.task_id}", file=sys.stderr, flush=True)
    try:
        while not job.wait(0.2):
            pass
    except KeyboardInterrupt:
        print("\ncancelling at the next safe point...", file=sys.stderr, flush=True)
        job.cancel()
        job.wait()
    return job.result()


def cmd_train(args: argparse.Namespace) -> int:
    from synthkit.store import list_models
    from synthkit.training import train_model

    get_machine(args.machine_id, args.workspace)
    name = args.name or args.model
    ask_before_replacing(
        args,
        [
            f"{args.machine_id} already has the model {m['name']} ({m['kind']}, {m['epochs']} epochs, "
            f"trained {m['trained_at']})"
            for m in list_models(args.machine_id, args.workspace)
            if m["name"] == name
        ],
    )
    result = run_job(
        train_model,
        args,
        args.machine_id,
        args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        early_stopping=args.early_stopping,
        eval_every=args.eval_every,
        patience=args.patience,
        holdout_fraction=args.holdout_fraction,
        name=args.name,
        unit="epoch",
        **({} if args.min_label_share is None else {"min_label_share": args.min_label_share}),
    )
    if args.json:
        emit_json(result.to_dict())
    else:
        loss = "-" if result.final_loss is None else f"{result.final_loss:.4f}"
        print(
            f"trained {result.model} {result.name!r} for {result.machine_id}: {result.epochs_run} epochs in "
            f"{result.training_time:.1f} s, final loss {loss}"
        )
        if result.best_epoch is not None:
            print(
                f"best quality {result.best_quality:.4f} at epoch {result.best_epoch}"
                + (" (stopped early)" if result.stopped_early else "")
            )
        print(f"model: {result.model_path}")
        for note in result.key_notes:
            print(f"keys: {note}")
    return 0


def _print_quality(report: dict[str, Any]) -> None:
    for key, value in report.items():
        shown = "-" if value is None else f"{value:.4f}" if isinstance(value, float) else value
        print(f"  {key:26s} {shown}")


def parse_conditions(items: list[str] | None) -> dict[str, Any] | None:
    """--condition COL=VALUE, COL=VALUE:SHARE (repeat for each value) and COL=LOW..HIGH."""
    from synthkit.conditions import parse_condition_texts

    try:
        return parse_condition_texts(items or ()) or None
    except errors.InvalidParameterError as error:
        raise errors.InvalidParameterError(f"--condition {error}") from None


def cmd_generate(args: argparse.Namespace) -> int:
    from synthkit.generation import generate_synthetic_data

    result = run_job(
        generate_synthetic_data,
        args,
        args.machine_id,
        args.train,
        args.val,
        args.test,
        seed=args.seed,
        format=args.format,
        run_id=args.run_id,
        report=not args.no_report,
        failure_ratio=args.failure_ratio,
        model=args.model,
        conditions=parse_conditions(args.condition),
        unit="row",
    )
    if args.json:
        emit_json(result.to_dict())
        return 0
    chosen = "" if args.model else " (the most recently trained; --model NAME to choose)"
    print(f"run {result.run_id} of {result.machine_id} from model {result.model_name!r}{chosen}")
    print(f"generated in {result.generation_time:.1f} s")
    print_table(
        [
            {"split": k, "rows": f"{result.sample_counts[k]:,}", "file": v}
            for k, v in result.file_paths.items()
        ],
        ["split", "rows", "file"],
    )
    if result.report_path:
        from synthkit.evaluation import REPORT_JSON

        report = json.loads(open(result.report_path.replace(".html", ".json")).read())
        print("quality:")
        _print_quality({k: report[k] for k in ("quality", "failure_rate_ratio", "label_contradiction_rate")})
        print(f"report: {result.report_path} (scores in {REPORT_JSON})")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from synthkit.evaluation import REPORT_HTML, evaluate

    report = evaluate(args.machine_id, args.run, workspace=args.workspace, model=args.model)
    if args.json:
        emit_json(report.to_dict())
        return 0
    print(f"evaluation of {report.machine_id} / {report.run_id} ({report.rows_synthetic:,} synthetic rows)")
    _print_quality(report.summary())
    for name, rates in report.label_rates.items():
        ratio = "-" if rates["ratio"] is None else f"{rates['ratio']:.3f}"
        print(f"  rate ratio {name:40s} {ratio}")
    from synthkit.store import run_folder

    folder = run_folder(report.machine_id, report.run_id, args.workspace)
    print(f"report: {folder / REPORT_HTML}")
    return 0


def _parameters(pairs: list[list[str]] | None) -> dict[str, Any]:
    from synthkit.runner import parse_value

    return {name: parse_value(value) for name, value in pairs or []}


def cmd_run(args: argparse.Namespace) -> int:
    from synthkit.runner import run_notebook

    parameters = _parameters(args.parameter)
    if args.workspace:
        parameters.setdefault("workspace", args.workspace)
    result = run_notebook(
        args.notebook, parameters, args.out, on_line=lambda line: print(line, file=sys.stderr, flush=True)
    )
    if args.json:
        emit_json(result.to_dict())
    else:
        print(f"{result.status} in {result.duration_s:.1f} s: {result.output_path}")
        print(f"result: {result.result_path}")
    if result.status != "SUCCESS":
        print(f"error: notebook failed at cell {result.failed_cell}: {result.error}", file=sys.stderr)
        return EXIT_FAILED
    return 0


class _BatchProgress:
    """Live batch progress on stderr: a line per job at each stage change, at most every 2 s."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self._last: dict[str, tuple[str, float]] = {}

    def event(self, job: str, event: Any) -> None:
        import time

        stage, shown = self._last.get(job, ("", 0.0))
        now = time.monotonic()
        if event.stage != stage or now - shown >= 2.0:
            self._last[job] = (event.stage, now)
            loss = f" loss {event.loss:.4f}" if event.loss is not None else ""
            print(
                f"[{self.done}/{self.total}] {job}: {event.stage} {event.message}{loss}",
                file=sys.stderr,
                flush=True,
            )

    def finished(self, row: dict[str, Any]) -> None:
        self.done += 1
        quality = f" quality {row['quality']:.4f}" if row.get("quality") is not None else ""
        error = f" ({row['error']})" if row.get("error") else ""
        print(
            f"[{self.done}/{self.total}] {row['job']}: {row['status']}{quality}{error}",
            file=sys.stderr,
            flush=True,
        )


def cmd_batch(args: argparse.Namespace) -> int:
    import math

    from synthkit.batch import parse_grid, run_batch

    grid = parse_grid(args.grid or [])
    parameters = _parameters(args.parameter)
    machines = len(list_machines(args.workspace)) if args.all else len(args.machine or [])
    progress = _BatchProgress(machines * math.prod(len(v) for v in grid.values()))
    result = run_batch(
        args.notebook,
        machines=args.machine,
        all_machines=args.all,
        parameters=parameters,
        grid=grid,
        out_dir=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        workspace=args.workspace,
        progress_redis=args.progress_redis,
        on_event=None if args.json else progress.event,
        on_done=None if args.json else progress.finished,
    )
    if args.json:
        emit_json(result.to_dict())
    else:
        rows = [
            {**r, "quality": "-" if r.get("quality") is None else f"{r['quality']:.4f}"} for r in result.rows
        ]
        print_table(
            sorted(rows, key=lambda r: r["job"]), ["job", "status", "duration_s", "quality", "report_path"]
        )
        print(f"summary: {result.summary_csv} and {result.summary_json}")
    if result.interrupted:
        print("error: batch cancelled; the summary lists what finished", file=sys.stderr)
        return EXIT_CANCELLED
    if result.failed:
        print(f"error: {len(result.failed)} of {len(result.rows)} jobs failed", file=sys.stderr)
        return EXIT_FAILED
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from synthkit.sinks import TqdmSink
    from synthkit.watch import follow_log, follow_redis

    if args.json:

        def show(event: Any) -> None:
            print(json.dumps(event.to_dict()), flush=True)
    else:
        show = TqdmSink(unit="step")
    if args.redis:
        final = follow_redis(args.task_id, args.redis, show, args.workspace)
    else:
        final = follow_log(args.task_id, show, args.workspace)
    return {"SUCCESS": 0, "CANCELLED": EXIT_CANCELLED}.get(final.status, EXIT_FAILED)


def _redis_sinks(url: str | None) -> tuple:
    if not url:
        return ()
    from synthkit.redis_sink import RedisSink

    return (RedisSink(url),)


def cmd_status(args: argparse.Namespace) -> int:
    from synthkit.jobs import get_task_status

    status = get_task_status(args.task_id, args.workspace)
    if args.json:
        emit_json(status)
        return 0
    progress = status["progress"] or {}
    print(f"{status['task_id']}: {status['status']} ({status['kind']} of {status['machine_id']})")
    if progress:
        print(f"  {progress.get('stage')}: {progress.get('message')} [{progress.get('progress')}%]")
    if status["error"]:
        print(f"  error: {status['error']}")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    import time

    from synthkit.jobs import get_task_status, request_cancel

    status = request_cancel(args.task_id, args.workspace)
    ended = status["status"] in ("SUCCESS", "FAILURE", "CANCELLED")
    if not ended and not args.json:
        print(f"asked {args.task_id} to stop at its next epoch or chunk", file=sys.stderr, flush=True)
    while args.wait and status["status"] not in ("SUCCESS", "FAILURE", "CANCELLED"):
        time.sleep(0.2)
        status = get_task_status(args.task_id, args.workspace)
    if args.json:
        emit_json(status)
    elif ended or args.wait:
        print(f"{status['task_id']}: {status['status']} ({status['kind']} of {status['machine_id']})")
    return EXIT_CANCELLED if args.wait and status["status"] == "CANCELLED" else 0


def build_parser() -> argparse.ArgumentParser:
    from synthkit._version import __version__

    parser = _Parser(prog="synthkit", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"synthkit {__version__}")
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        default=os.environ.get("SYNTHKIT_WORKSPACE"),
        help="workspace folder (default: $SYNTHKIT_WORKSPACE, else ./workspace)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def command(
        name: str, handler: Callable[[argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        p.set_defaults(handler=handler)
        return p

    command("machines", cmd_machines, "list built-in and registered machines")

    p = command("seed", cmd_seed, "simulate seed data for built-in machines")
    p.add_argument("machine_id", nargs="*", metavar="MACHINE_ID")
    p.add_argument("--all", action="store_true", help="every built-in machine")
    p.add_argument("--samples", type=int, default=10_000, help="rows per machine (100-5,000,000)")
    p.add_argument("--seed", type=int, default=None, help="random seed; same seed, same bytes")
    p.add_argument("--replace", action="store_true", help="replace seed data made before, without asking")

    p = command("register", cmd_register, "register your own machine from a CSV, text log or Excel file")
    p.add_argument("machine_id", metavar="MACHINE_ID")
    p.add_argument("file", metavar="FILE", nargs="+", help="a file, files with the same columns, or a folder")
    p.add_argument("--description", default="", help="one line describing the machine")
    p.add_argument("--replace", action="store_true", help="replace a machine registered before")
    p.add_argument("--dry-run", action="store_true", help="show the columns' roles; register nothing")
    p.add_argument(
        "--long",
        nargs=2,
        metavar=("TAG", "VALUE"),
        help="a long table (one row per reading): widen it with a column per TAG holding its VALUE",
    )
    p.add_argument("--not-long", action="store_true", help="keep a table found to be long as it is")
    _add_role_options(p)

    p = command("roles", cmd_roles, "show or change the roles of a registered machine's columns")
    p.add_argument("machine_id", metavar="MACHINE_ID")
    _add_role_options(p)

    p = command("train", cmd_train, "train a TVAE model on a machine's seed data")
    p.add_argument("machine_id", metavar="MACHINE_ID")
    p.add_argument("--epochs", type=int, default=300, help="training epochs (1-100,000)")
    p.add_argument("--batch-size", type=int, default=500, help="rows per batch")
    p.add_argument("--seed", type=int, default=None, help="seed for identical runs")
    p.add_argument("--name", default=None, help="the model's name on the machine (default: the kind)")
    p.add_argument("--replace", action="store_true", help="replace a model of that name without asking")
    p.add_argument("--holdout-fraction", type=float, default=0.2, help="seed rows kept for evaluation")
    p.add_argument("--model", default="tvae", help="tvae (default), gaussian_copula or ctgan")
    p.add_argument("--early-stopping", action="store_true", help="stop when quality stops improving")
    p.add_argument("--eval-every", type=int, default=10, help="epochs between quality checks")
    p.add_argument("--patience", type=int, default=3, help="quality checks without improvement")
    p.add_argument(
        "--min-label-share",
        type=float,
        default=None,
        help="TVAE: train on each rare label combination's rows repeated to at least this share "
        "(0-0.5, default 0.05); 0.3 makes rows under conditions closer to the real failing rows",
    )
    p.add_argument(
        "--progress-redis", metavar="URL", help="also publish progress on Redis (gan:training:<task>)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = command("generate", cmd_generate, "generate train/val/test splits from a trained model")
    p.add_argument("machine_id", metavar="MACHINE_ID")
    p.add_argument("--train", type=int, required=True, help="rows in the train split")
    p.add_argument("--val", type=int, required=True, help="rows in the validation split")
    p.add_argument("--test", type=int, required=True, help="rows in the test split")
    p.add_argument("--model", default=None, metavar="NAME", help="model to sample (default: the latest)")
    p.add_argument(
        "--condition",
        action="append",
        metavar="COL=VALUE",
        help="rows under a condition: COL=VALUE, COL=VALUE:SHARE (one per value), COL=LOW..HIGH",
    )
    p.add_argument("--seed", type=int, default=None, help="seed; same model and seed, same files")
    p.add_argument("--format", default="parquet", help="parquet or csv")
    p.add_argument("--run-id", default=None, help="name of the run folder (default: time-based)")
    p.add_argument("--no-report", action="store_true", help="skip the evaluation report")
    p.add_argument("--failure-ratio", type=float, default=None, help="share of failing rows (TVAE)")
    p.add_argument(
        "--progress-redis", metavar="URL", help="also publish progress on Redis (gan:training:<task>)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = command("evaluate", cmd_evaluate, "score a run: quality, label rates, privacy, utility")
    p.add_argument("machine_id", metavar="MACHINE_ID")
    p.add_argument("--run", default=None, metavar="RUN_ID", help="run to score (default: the latest)")
    p.add_argument("--model", default=None, metavar="NAME", help="model whose held-out rows to use")

    p = command("run", cmd_run, "run one notebook headless (papermill), streaming its progress")
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="notebook parameter (repeatable)",
    )
    p.add_argument("--out", default=None, metavar="OUT.ipynb", help="executed notebook (default out/<name>/)")

    p = command("batch", cmd_batch, "run a notebook for many machines and parameter grids on Dask")
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.add_argument("--machine", action="append", metavar="ID", help="machine to run (repeatable)")
    p.add_argument("--all", action="store_true", help="every machine in the catalogue")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="parameter for every job (repeatable)",
    )
    p.add_argument("--grid", action="append", metavar="NAME=V1,V2", help="one job per value (repeatable)")
    p.add_argument("--out", default="batch-out", metavar="DIR", help="output folder (default batch-out)")
    p.add_argument("--workers", type=int, default=2, help="local worker processes (default 2)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run on this Dask scheduler")
    p.add_argument("--progress-redis", metavar="URL", help="workers publish progress on Redis")

    p = command("watch", cmd_watch, "follow a task live from its log or its Redis channel")
    p.add_argument("task_id", metavar="TASK_ID")
    p.add_argument("--redis", metavar="URL", default=None, help="listen on Redis instead of the task log")

    p = command("status", cmd_status, "show the state of a task, from any process")
    p.add_argument("task_id", metavar="TASK_ID")

    p = command("cancel", cmd_cancel, "ask a running task to stop, from any process")
    p.add_argument("task_id", metavar="TASK_ID")
    p.add_argument("--wait", action="store_true", help="wait until it ended (exit 130 when it was cancelled)")

    p = command(
        "models", cmd_models, "list a machine's models: name, kind, epochs, trained at, quality, size"
    )
    p.add_argument("machine_id", metavar="MACHINE_ID")

    p = command("compare", cmd_compare, "score a machine's models side by side on the same held-out rows")
    p.add_argument("machine_id", metavar="MACHINE_ID")
    p.add_argument(
        "--models", nargs="+", metavar="NAME", default=None, help="models to compare (default: all)"
    )
    p.add_argument("--rows", type=int, default=2000, help="rows each model samples (100-1,000,000)")

    p = command("app", cmd_app, "serve the workbench as a standalone page (Voila), token required")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (0.0.0.0: a classroom)")
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument("--token", default=None, help="the page's token (default: a new random one)")
    return parser


def run() -> None:
    """Console-script entry: run ``main`` and leave without the interpreter's teardown.

    pyarrow's and torch's thread pools can abort a finished process while it shuts down
    ("terminate called without an active exception", apache/arrow#34314): the work is done and
    flushed, so exit straight away with the real status.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def exit_code(error: BaseException) -> int:
    """The exit status for an error that ended a command (see the module docstring)."""
    if isinstance(error, (errors.TaskCancelledError, KeyboardInterrupt)):
        return EXIT_CANCELLED
    if isinstance(error, (errors.IntegrityError, errors.BusyError)):
        return EXIT_CONFLICT
    bad_input = (errors.InvalidParameterError, errors.MissingArtifactError, errors.MissingDependencyError)
    return EXIT_BAD_INPUT if isinstance(error, bad_input) else EXIT_FAILED


def error_line(error: BaseException) -> str:
    """One line for stderr: synthkit's messages as they are, anything else with its type."""
    message = " ".join(str(error).split())
    if isinstance(error, (errors.TaskCancelledError, KeyboardInterrupt)):
        return "error: cancelled" + (f": {message}" if message else "")
    if isinstance(error, errors.SynthkitError) and message:
        return f"error: {message}"
    return f"error: {type(error).__name__}" + (f": {message}" if message else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status (``--help``, ``--version`` and usage errors too)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # argparse has printed the help, the version or the usage error
        return int(done.code or 0)
    try:
        return args.handler(args)
    except (Exception, KeyboardInterrupt) as error:
        print(error_line(error), file=sys.stderr)
        return exit_code(error)

"""Benchmark: the whole pipeline, as a user runs it (the `spaser` CLI), at growing DECP sizes.

    python bench/run_bench.py                                  # N = 10k, 100k, 1M, 1.5M; writes docs/
    python bench/run_bench.py --sizes 2000 --out /tmp/b        # a quick run (tests/test_bench.py)
    python bench/run_bench.py --sizes 1000000 --profile        # + pyinstrument profile of the run
    python bench/run_bench.py --sizes 1500000 --no-incremental --no-baseline --observatory --keep
    python bench/run_bench.py --sizes 1500000 --observatory-on /tmp/spaser-bench/n1500000/full --append
                                                               # spaser observatoire again on a kept home

For each N, in a fresh SPASER_HOME (and Dagster instance) under --workdir:

1. `spaser demo --contracts N --buyers N/100` writes national-size DECP 2024 JSON (five
   semester files, 2024-S1..2026-S1; buyers of several départements) and the other feeds;
   **parse limit**: bench/parse_limit.py, DuckDB alone parsing the same DECP files and answering
   one indicator query (NAT-1/NAT-2 per buyer x semester): what no pipeline can go below. Every
   other row is also given as a ratio to it (wall, CPU seconds, peak RSS);
2. **full**: `spaser run --semester 2026-S1` on the empty warehouse: every file is ingested,
   dbt builds everything, the gates run, the semester is published;
3. **incremental** (second home): the warehouse is built with the first four semester files
   (`spaser run --semester 2025-S2`, not measured), then decp_2026-S1.json lands and
   `spaser run --semester 2026-S1` runs: the cost of adding one semester file;
4. **baseline**: bench/baseline_duckdb.py does the same work as plain DuckDB SQL in one process
   (the DECP SQL normalisation, the compiled SQL of every dbt model, the gates' row predicates,
   the release's Parquet files): the floor orchestration is measured against;
5. **observatoire** (with --observatory): `spaser observatoire` on the full run's warehouse, the
   national observatory over every buyer (SIRENE extract, its dbt models, the publication tables,
   the validated Data Package and the pages); its rows record what it published.

Each run's output is read line by line as it arrives (SPASER_VERBOSE=1: Dagster logs every step's
start and end), so every step is timed and attributed to a stage: ingest (raw__*, meta__ingest_log),
dbt (spaser_dbt_models, incl. `dbt docs generate`), gates (the gx_* checks), publication, and
`startup` (process start to first step: imports, dbt manifest, Dagster instance) / `teardown`. The
resident memory of the whole process tree (the CLI, dbt subprocesses, Chromium) is sampled every
0.1 s from /proc; a stage's peak is the largest sample taken during it. The machine's load average
is recorded with every run: other jobs may share this 2-core machine.

Results go to <out>/bench_results.json; the Markdown table to <out>/performance_table.md and the
chart to <out>/performance.png. docs/performance.md embeds them (written by hand from a real run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `python bench/run_bench.py` from the repository, like the tests

from orchestration.instance import write_local_instance  # noqa: E402

DEFAULT_SIZES = [10_000, 100_000, 1_000_000, 1_500_000]
STAGES = ["startup", "ingest", "dbt", "gates", "publication", "teardown"]
_STEP = re.compile(r" - (STEP_START|STEP_SUCCESS|STEP_FAILURE|STEP_SKIPPED) - ")
_STEP_KEY = re.compile(r" - \d+ - (\S+) - STEP_")
PAGE = os.sysconf("SC_PAGE_SIZE")


OBSERVATORY_STAGES = {  # the observatoire job's ops
    "observatoire_sirene": "ingest",
    "observatoire_dbt": "dbt",
    "observatoire_publication": "publication",
}


def stage_of(step: str) -> str:
    if step in OBSERVATORY_STAGES:
        return OBSERVATORY_STAGES[step]
    if "_gx_" in step:
        return "gates"
    if step.startswith(("raw__", "meta__")):
        return "ingest"
    if step.startswith("publication__"):
        return "publication"
    return "dbt"


# --- process-tree memory -------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


TICK = os.sysconf("SC_CLK_TCK")


def tree_usage(root: int) -> tuple[int, float]:
    """(resident bytes, CPU seconds) of `root` and all its descendants, from /proc (psutil is not
    needed). CPU counts each process's own time and that of its reaped children (cutime), so a
    finished dbt subprocess stays counted in its parent."""
    tree, rss, cpu, todo = _children(), 0, 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                rss += int(f.read().split()[1]) * PAGE
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            cpu += sum(int(x) for x in fields[11:15]) / TICK  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(tree.get(pid, []))
    return rss, cpu


@dataclass
class Measure:
    label: str
    n: int
    wall_s: float = 0.0
    cpu_s: float = 0.0  # CPU seconds of the process tree (less sensitive than wall to other jobs)
    peak_rss_mb: float = 0.0
    ok: bool = True
    stages: dict[str, dict[str, float]] = field(default_factory=dict)  # stage -> wall_s, peak_rss_mb
    load_avg: list[float] = field(default_factory=list)  # 1-min load at start, max seen, at end
    steps: dict[str, float] = field(default_factory=dict)
    note: str = ""
    dbt_nodes: dict[str, float] = field(default_factory=dict)  # slowest dbt nodes of the run (s)
    outputs: dict[str, int] = field(default_factory=dict)  # rows of what the run published (observatoire)


def step_events(env: dict, start_wall: float, start_mono: float) -> list[tuple[float, str, str]]:
    """(monotonic time, event, step) of the newest run of the instance at env's DAGSTER_HOME,
    from its event log; [] when there is none."""
    home = env.get("DAGSTER_HOME")
    if not home or not (Path(home) / "dagster.yaml").exists():
        return []
    from dagster import DagsterEventType, DagsterInstance

    kinds = [DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE]
    with DagsterInstance.from_config(home) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            return []
        records = [r for kind in kinds for r in instance.get_records_for_run(runs[0].run_id, of_type=kind).records]
    out = []
    for record in records:
        entry = record.event_log_entry
        if entry.timestamp >= start_wall:
            out.append(
                (start_mono + entry.timestamp - start_wall, entry.dagster_event.event_type_value, entry.step_key)
            )
    return sorted(out)


def run_measured(label: str, n: int, cmd: list[str], env: dict, log: Path, interval: float = 0.1) -> Measure:
    """Run `cmd`, timing its Dagster steps from its output and sampling its tree's RSS."""
    m = Measure(label, n)
    samples: list[tuple[float, int, float]] = []  # (time, rss, cumulative CPU s)
    events: list[tuple[float, str, str]] = []  # (t, event, step)
    load_seen = [os.getloadavg()[0]]
    start, wall_start = time.monotonic(), time.time()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    done = threading.Event()

    def sample() -> None:
        last_load = 0.0
        while not done.is_set():
            samples.append((time.monotonic(), *tree_usage(proc.pid)))
            if time.monotonic() - last_load > 1:
                load_seen.append(os.getloadavg()[0])
                last_load = time.monotonic()
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with log.open("wb") as out:
        for raw in proc.stdout:
            now = time.monotonic()
            out.write(raw)
            line = raw.decode("utf-8", "replace")
            kind, key = _STEP.search(line), _STEP_KEY.search(line)
            if kind and key:
                events.append((now, kind.group(1), key.group(1)))
    rc = proc.wait()
    end = time.monotonic()
    done.set()
    sampler.join()
    # the run's own event log is authoritative (a step line can be missed on a shared pipe)
    events = step_events(env, start_wall=wall_start, start_mono=start) or events
    m.ok = rc == 0
    m.wall_s = end - start
    m.peak_rss_mb = max((r for _, r, _ in samples), default=0) / 2**20
    # A process that leaves the tree unreaped takes its CPU seconds out of the sum (the warm dbt
    # process, which the CLI does not wait for at exit): the cumulative series is kept monotone.
    peak_cpu = 0.0
    for i, (t, r, c) in enumerate(samples):
        peak_cpu = max(peak_cpu, c)
        samples[i] = (t, r, peak_cpu)
    m.cpu_s = round(peak_cpu, 1)

    def cpu_at(t: float) -> float:
        before = [c for ts, _, c in samples if ts <= t]
        return before[-1] if before else 0.0

    m.load_avg = [round(load_seen[0], 2), round(max(load_seen), 2), round(os.getloadavg()[0], 2)]

    # stage windows from step starts/ends (steps run one after the other: in-process executor)
    windows: list[tuple[float, float, str]] = []
    open_steps: dict[str, float] = {}
    for t, kind, step in events:
        if kind == "STEP_START":
            open_steps[step] = t
        elif step in open_steps:
            t0 = open_steps.pop(step)
            windows.append((t0, t, stage_of(step)))
            m.steps[step] = round(t - t0, 3)
    windows.sort()
    first = windows[0][0] if windows else end
    last = max((w[1] for w in windows), default=end)
    spans = [(start, first, "startup"), *windows, (last, end, "teardown")]
    for stage in STAGES:
        mine = [(a, b) for a, b, s in spans if s == stage]
        wall = sum(b - a for a, b in mine)
        peak = max((r for t, r, _ in samples if any(a <= t <= b for a, b in mine)), default=0)
        cpu = sum(cpu_at(b) - cpu_at(a) for a, b in mine)
        m.stages[stage] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 1), "peak_rss_mb": round(peak / 2**20, 1)}
    # time between steps (Dagster bookkeeping) counts with the stage that follows
    gaps = m.wall_s - sum(v["wall_s"] for v in m.stages.values())
    m.stages["between steps"] = {"wall_s": round(max(gaps, 0.0), 2), "cpu_s": 0.0, "peak_rss_mb": 0.0}
    return m


# --- the scenario --------------------------------------------------------------------------------


def make_env(home: Path) -> dict:
    dagster_home = home / "dagster"
    write_local_instance(dagster_home)  # the CLI's instance configuration, in the bench's home
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPASER_", "DAGSTER_HOME"))}
    env.update(
        SPASER_HOME=str(home),
        DAGSTER_HOME=str(dagster_home),
        SPASER_VERBOSE="1",
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def spaser(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


def remove_tree(path: Path) -> None:
    """rmtree of a work folder holding releases, whose version folders are read-only (0555)."""
    if path.exists():
        for folder in [path, *(p for p in path.rglob("*") if p.is_dir() and not p.is_symlink())]:
            folder.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)


def buyers_for(n: int) -> int:
    return max(50, n // 100)


def scenario(
    n: int,
    workdir: Path,
    out: Path,
    incremental: bool,
    profile: bool,
    log=print,
    observatory: bool = False,
    baseline: bool = True,
) -> list[Measure]:
    results = []
    full = workdir / f"n{n}" / "full"
    remove_tree(full.parent)
    env = make_env(full)
    t = time.monotonic()
    subprocess.run(
        spaser("demo", "--contracts", str(n), "--buyers", str(buyers_for(n))),
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    landing = full / "landing"
    size = sum(p.stat().st_size for p in (landing / "decp").glob("*.json"))
    log(f"N={n}: demo written in {time.monotonic() - t:.0f} s, DECP JSON {size / 2**20:.0f} MiB")

    limit = measure_parse_limit(n, full, env)
    results.append(limit)
    log(_line(limit))
    limit = limit if limit.ok else None

    cmd = spaser("run", "--semester", "2026-S1")
    if profile:
        cmd = [
            sys.executable,
            "-m",
            "pyinstrument",
            "-o",
            str(out / f"profile_n{n}.txt"),
            "-m",
            "orchestration.cli",
            "run",
            "--semester",
            "2026-S1",
        ]
    started = time.time()
    m = run_measured("full", n, cmd, env, full / "run_full.log")
    m.note = f"DECP JSON {size / 2**20:.0f} MiB"
    m.dbt_nodes = dbt_node_times(started)
    results.append(m)
    log(_line(m, limit))

    if baseline:
        base = run_measured(
            "baseline",
            n,
            [
                sys.executable,
                str(REPO / "bench" / "baseline_duckdb.py"),
                "--home",
                str(full),
                "--out",
                str(full / "baseline"),
            ],
            env,
            full / "run_baseline.log",
        )
        base.stages = _baseline_stages(full / "baseline" / "stages.json", base)
        results.append(base)
        log(_line(base, limit))

    if observatory:
        obs = measure_observatory(n, full, env)
        results.append(obs)
        log(_line(obs, limit))

    if incremental:
        inc = workdir / f"n{n}" / "incremental"
        env2 = make_env(inc)
        last, parked = prepare_incremental_home(full, inc)
        prior = run_measured(
            "build 2024-S1..2025-S2", n, spaser("run", "--semester", "2025-S2"), env2, inc / "run_prior.log"
        )
        log(_line(prior, limit))
        parked.rename(last)
        m2 = run_measured("incremental", n, spaser("run", "--semester", "2026-S1"), env2, inc / "run_incremental.log")
        m2.note = "one new semester file on a built warehouse"
        results.append(m2)
        log(_line(m2, limit))
    return results


def prepare_incremental_home(full: Path, inc: Path) -> tuple[Path, Path]:
    """A second home for the incremental scenario: the full run's configuration and landing
    files, the last DECP semester file parked outside the landing folder. Returns (where the
    last file belongs, where it is parked)."""
    # the same organisation's configuration and files, in a home of its own
    shutil.copytree(full / "config", inc / "config")
    (inc / "landing").mkdir(parents=True, exist_ok=True)
    for item in (full / "landing").iterdir():
        target = inc / "landing" / item.name
        shutil.copytree(item, target) if item.is_dir() else shutil.copy2(item, target)
    last = inc / "landing" / "decp" / "decp_2026-S1.json"
    parked = inc / "decp_2026-S1.json"
    last.rename(parked)
    return last, parked


def measure_parse_limit(n: int, home: Path, env: dict) -> Measure:
    """bench/parse_limit.py on the home's DECP files, measured like every other run; its own
    stages (cut, query) go to the note: they are not the pipeline's stages."""
    m = run_measured(
        "parse limit",
        n,
        [
            sys.executable,
            str(REPO / "bench" / "parse_limit.py"),
            "--landing",
            str(home / "landing" / "decp"),
            "--out",
            str(home / "parse_limit"),
        ],
        env,
        home / "run_parse_limit.log",
    )
    m.stages = {}
    try:
        summary = json.loads((home / "parse_limit" / "parse_limit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        m.ok = False
    else:
        m.outputs = summary["outputs"]
        m.note = "DuckDB alone: " + ", ".join(f"{stage} {wall:.1f} s" for stage, wall in summary["stages"].items())
    return m


def parse_limits(results: list[Measure]) -> dict[int, Measure]:
    """The parse limit measured for each N (the newest when there are several)."""
    return {m.n: m for m in results if m.label == "parse limit" and m.ok and m.wall_s and m.cpu_s}


def ratio(m: Measure, limit: Measure | None) -> str:
    """wall / CPU / peak RSS as multiples of the parse limit of the same N."""
    if limit is None or m is limit:
        return ""
    return f"{m.wall_s / limit.wall_s:.1f} / {m.cpu_s / limit.cpu_s:.1f} / {m.peak_rss_mb / limit.peak_rss_mb:.1f}"


def measure_observatory(n: int, home: Path, env: dict) -> Measure:
    """`spaser observatoire` on the warehouse the full run built (its SIRENE extract is the demo's),
    measured like a pipeline run; the rows it published in `outputs`."""
    started = time.time()
    m = run_measured("observatoire", n, spaser("observatoire", "--verbose"), env, home / "run_observatoire.log")
    m.dbt_nodes = dbt_node_times(started, prefix="")  # the only dbt invocation since `started`
    if m.ok:
        m.outputs = observatory_outputs(home)
        m.note = ", ".join(f"{name} {rows:,}" for name, rows in m.outputs.items()) + " rows"
    return m


def observatory_outputs(home: Path) -> dict[str, int]:
    """Rows of each publication table the observatory wrote (publication.mart_observatoire_*)."""
    import duckdb

    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        names = con.execute(
            """SELECT table_name FROM duckdb_tables() WHERE schema_name = 'publication'
               AND table_name LIKE 'mart_observatoire_%' ORDER BY table_name"""
        ).fetchall()
        return {name: con.execute(f"SELECT count(*) FROM publication.{name}").fetchone()[0] for (name,) in names}
    finally:
        con.close()


def dbt_node_times(since: float, top: int = 12, prefix: str = "spaser_dbt_models-") -> dict[str, float]:
    """The slowest nodes of the last dbt build started after `since` (its run_results.json)."""
    runs = [
        p for p in (REPO / "dbt_project" / "target").glob(f"{prefix}*/run_results.json") if p.stat().st_mtime >= since
    ]
    if not runs:
        return {}
    results = json.loads(max(runs, key=lambda p: p.stat().st_mtime).read_text(encoding="utf-8"))["results"]
    times = sorted(((r["unique_id"], r.get("execution_time") or 0.0) for r in results), key=lambda x: -x[1])
    return {uid: round(t, 2) for uid, t in times[:top]}


def _baseline_stages(path: Path, m: Measure) -> dict:
    """The baseline script times its own stages; peaks come from the sampler (whole process)."""
    try:
        stages = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return m.stages
    names = {
        "read": "ingest",
        "models": "dbt",
        "gates": "gates",
        "publication": "publication",
        "copy small inputs (not counted)": "startup",
    }
    out = {
        names.get(s, s): {"wall_s": round(v, 2), "cpu_s": 0.0, "peak_rss_mb": round(m.peak_rss_mb, 1)}
        for s, v in stages.items()
    }
    floor = sum(v for s, v in stages.items() if s in ("read", "models", "gates", "publication"))
    m.note = f"floor (read+models+gates+publication) {floor:.1f} s; startup = imports + copying the small inputs"
    return out


def _line(m: Measure, limit: Measure | None = None) -> str:
    parts = ", ".join(f"{s} {v['wall_s']:.1f}s" for s, v in m.stages.items() if v["wall_s"])
    times = ratio(m, limit)
    return (
        f"  {m.label:<24} N={m.n:>9,}: {m.wall_s:7.1f} s, {m.cpu_s:.0f} CPU-s, peak {m.peak_rss_mb:6.0f} MiB "
        f"{'' if m.ok else 'FAILED '}[{parts or m.note}]{f' x parse limit {times}' if times else ''} load {m.load_avg}"
    )


LABELS = ["parse limit", "full", "baseline", "incremental", "observatoire"]  # the order of a size's rows


# --- report --------------------------------------------------------------------------------------


def table(results: list[Measure]) -> str:
    stages = ["startup", "ingest", "dbt", "gates", "publication", "teardown", "between steps"]
    head = (
        "| N contracts | run | wall (s) | CPU (s) | peak RSS (MiB) | "
        + " | ".join(stages)
        + " | contracts/s | x parse limit (wall / CPU / peak) | load avg (start/max/end) | ok |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    limits = parse_limits(results)
    for m in results:
        cells = []
        for s in stages:
            v = m.stages.get(s)
            if not v or not (v["wall_s"] or v["peak_rss_mb"]):
                cells.append("")
            elif v.get("cpu_s"):
                cells.append(f"{v['wall_s']:.1f} / {v['cpu_s']:.0f} / {v['peak_rss_mb']:.0f}")
            else:
                cells.append(f"{v['wall_s']:.1f} / {v['peak_rss_mb']:.0f}")
        rate = f"{m.n / m.wall_s:,.0f}" if m.wall_s else ""
        lines.append(
            f"| {m.n:,} | {m.label} | {m.wall_s:.1f} | {m.cpu_s:.0f} | {m.peak_rss_mb:.0f} | "
            + " | ".join(cells)
            + f" | {rate} | {ratio(m, limits.get(m.n))} | {' / '.join(str(x) for x in m.load_avg)} "
            + f"| {'yes' if m.ok else 'NO'} |"
        )
    lines.append("")
    lines.append(
        "Stage cells: wall seconds / CPU seconds / peak RSS MiB of the process tree during the stage "
        "(baseline: wall / peak of the whole process). "
        "Baseline stages: read = DECP JSON to raw in SQL, models = compiled dbt SQL, "
        "gates = the gates' row predicates, publication = the release's Parquet files. "
        "x parse limit: the row's wall, CPU seconds and peak RSS divided by those of the parse limit "
        "(DuckDB alone parsing the same DECP files and answering NAT-1/NAT-2 per buyer x semester, "
        "bench/parse_limit.py) measured in the same run."
    )
    return "\n".join(lines) + "\n"


def growth(results: list[Measure]) -> str:
    """How each stage of the full run grows: CPU seconds per 100 000 contracts at each N, and the
    exponent k of cost ~ N^k between consecutive sizes (1 = linear)."""
    import math

    full = sorted((m for m in results if m.label == "full"), key=lambda m: m.n)
    stages = ["ingest", "dbt", "gates", "publication", "total"]
    lines = ["| N | " + " | ".join(f"{s} CPU s / 100k" for s in stages) + " |", "|---" * (len(stages) + 1) + "|"]

    def cpu(m, s):
        return m.cpu_s if s == "total" else m.stages.get(s, {}).get("cpu_s", 0.0)

    for m in full:
        lines.append(f"| {m.n:,} | " + " | ".join(f"{cpu(m, s) / m.n * 1e5:.1f}" for s in stages) + " |")
    for a, b in zip(full, full[1:]):
        ks = []
        for s in stages:
            ca, cb = cpu(a, s), cpu(b, s)
            ks.append(f"{math.log(cb / ca) / math.log(b.n / a.n):.2f}" if ca > 0 and cb > 0 else "")
        lines.append(f"| k from {a.n:,} to {b.n:,} | " + " | ".join(ks) + " |")
    return "\n".join(lines) + "\n"


def chart(results: list[Measure], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax3, ax2) = plt.subplots(1, 3, figsize=(15, 4.4))
    for label, style in (("full", "o-"), ("baseline", "s--"), ("incremental", "^:"), ("parse limit", "x-.")):
        runs = sorted((m for m in results if m.label == label), key=lambda m: m.n)
        if not runs:
            continue
        xs = [m.n for m in runs]
        ax1.plot(xs, [m.wall_s for m in runs], style, label=label)
        ax2.plot(xs, [m.peak_rss_mb / 1024 for m in runs], style, label=label)
        ax3.plot(xs, [m.cpu_s for m in runs], style, label=label)
    full = sorted((m for m in results if m.label == "full"), key=lambda m: m.n)
    if full:
        bottom = [0.0] * len(full)
        xs = [m.n for m in full]
        for stage in ("startup", "ingest", "dbt", "gates", "publication"):
            ys = [m.stages.get(stage, {}).get("wall_s", 0) for m in full]
            ax1.fill_between(xs, bottom, [b + y for b, y in zip(bottom, ys)], alpha=0.12, label=f"full: {stage}")
            bottom = [b + y for b, y in zip(bottom, ys)]
    ax1.axhline(120, color="red", lw=0.8, ls="--", label="target 120 s")
    ax3.axhline(240, color="red", lw=0.8, ls="--", label="2 cores x 120 s")
    ax3.set(
        xlabel="DECP contracts (N)",
        ylabel="CPU seconds of the process tree",
        title="CPU time (less sensitive to other jobs)",
    )
    ax2.axhline(3, color="red", lw=0.8, ls="--", label="target 3 GiB")
    ax1.set(xlabel="DECP contracts (N)", ylabel="wall time (s)", title="Wall time (see the load average)")
    ax2.set(xlabel="DECP contracts (N)", ylabel="peak RSS of the process tree (GiB)", title="Peak memory")
    for ax in (ax1, ax2, ax3):
        ax.grid(alpha=0.3)
        ax.ticklabel_format(axis="x", style="plain")
        ax.xaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k")
        )
    ax1.legend(fontsize=7, ncol=2)
    ax2.legend(fontsize=7)
    ax3.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def machine() -> dict:
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/spaser-bench"))
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--no-incremental", action="store_true", help="skip the incremental scenario")
    parser.add_argument("--profile", action="store_true", help="run the full pipeline under pyinstrument")
    parser.add_argument(
        "--observatory", action="store_true", help="also measure `spaser observatoire` after the full run"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain-DuckDB baseline")
    parser.add_argument(
        "--observatory-on",
        type=Path,
        metavar="HOME",
        help="measure only `spaser observatoire` on HOME, the full run's home of a previous --keep run "
        "(<workdir>/n<N>/full; --sizes gives its N)",
    )
    parser.add_argument("--append", action="store_true", help="add to <out>/bench_results.json")
    parser.add_argument("--keep", action="store_true", help="keep the work folders (large)")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the table and chart from <out>/bench_results.json, run nothing",
    )
    args = parser.parse_args(argv)
    if args.report_only:
        data = json.loads((args.out / "bench_results.json").read_text(encoding="utf-8"))
        runs = [Measure(**m) for m in data["runs"]]
        (args.out / "performance_table.md").write_text(table(runs), encoding="utf-8")
        chart(runs, args.out / "performance.png")
        print(table(runs))
        print(growth(runs))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    results_file = args.out / "bench_results.json"
    previous = []
    if args.append and results_file.exists():
        previous = [Measure(**m) for m in json.loads(results_file.read_text(encoding="utf-8"))["runs"]]
    results: list[Measure] = []
    if args.observatory_on:
        m = measure_observatory(args.sizes[0], args.observatory_on, make_env(args.observatory_on))
        print(_line(m))
        merged = [p for p in previous if (p.n, p.label) != (m.n, m.label)] + [m]
        merged.sort(key=lambda r: (r.n, LABELS.index(r.label) if r.label in LABELS else 9))
        results_file.write_text(
            json.dumps({"machine": machine(), "runs": [asdict(r) for r in merged]}, indent=2), encoding="utf-8"
        )
        (args.out / "performance_table.md").write_text(table(merged), encoding="utf-8")
        print(table(merged))
        return 0 if m.ok else 1
    for n in args.sizes:
        runs = scenario(
            n,
            args.workdir,
            args.out,
            not args.no_incremental,
            args.profile,
            observatory=args.observatory,
            baseline=not args.no_baseline,
        )
        results += runs
        if not args.keep:
            remove_tree(args.workdir / f"n{n}")
        merged = [m for m in previous if m.n not in {r.n for r in results}] + results
        merged.sort(
            key=lambda m: (
                m.n,
                LABELS.index(m.label) if m.label in LABELS else 9,
            )
        )
        results_file.write_text(
            json.dumps({"machine": machine(), "runs": [asdict(m) for m in merged]}, indent=2), encoding="utf-8"
        )
        (args.out / "performance_table.md").write_text(table(merged), encoding="utf-8")
        chart(merged, args.out / "performance.png")
    print(table(merged))
    return 0 if all(m.ok for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())

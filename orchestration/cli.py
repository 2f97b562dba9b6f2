"""`spaser`: run the warehouse without the UI.

    spaser init --org-id val --nom "Département du Val" --departement 95 --siret 225...
                                      a new organisation's configuration and landing folders
    spaser config check               validate the configuration (the pipeline refuses an invalid one)
    spaser modeles                    blank templates (CSV, .xlsx) of the files the services fill
    spaser demo                       write the demo département's configuration and feeds
    spaser demo --contracts 1500000 --buyers 15000    national-scale DECP (benchmark)
    spaser run --semester 2026-S1     ingest, build, gate and publish one semester (--verbose: all logs)
    spaser backfill --from 2024-S1 --to 2026-S1
    spaser show --semester 2026-S1    print the published indicator table (--synthese: per axis)
    spaser withdraw landing/decp/x.json --reason "livré par erreur"   take a file out of the build
    spaser prepare                    parse the dbt project (deployment step)
    spaser verify                     check every release against its manifest (sha256, files)
    spaser rapport --annee 2025 --pdf the SPASER's annual bilan of a complete year (HTML, PDF)
    spaser status                     the last runs, and what failed and why
    spaser accept 2026-S1 --gate gx_ingest_log --reason "..." --by "..."   publish despite a blocking rule
    spaser paths                      where the warehouse, releases and Data Docs are
    spaser instance                   which Dagster instance (SQLite or PostgreSQL) is used
    spaser ui --port 3000             the Dagster UI on the same instance

Runs are recorded in the Dagster instance of this repository (dagster.yaml, .dagster/; or
PostgreSQL when SPASER_DAGSTER_PG_URL is set, see docs/operations.md), so they also appear in
the UI (`make ui`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import sys
import time
from pathlib import Path

from .instance import describe, instance_env
from .semesters import last_closed_semester, semesters_between
from .settings import REPO_ROOT, get_paths


def _select_instance() -> None:
    """DAGSTER_HOME (and the PostgreSQL URL) of the instance chosen by the environment."""
    chosen_here = not os.environ.get("DAGSTER_HOME")
    os.environ.update(instance_env(os.environ))
    if chosen_here:
        os.chdir(REPO_ROOT)  # the instance files keep local state relative to the repository


def _instance():
    from dagster import DagsterInstance

    _select_instance()
    return DagsterInstance.get()


def prepare_code_location() -> None:
    """The code location needs a current dbt manifest (never parsed at import). When dbt must
    parse (a new checkout, a changed model), it does in its own process while this one imports
    what the run needs: dagster-dbt (with dbt-core) and Great Expectations, which the first gates
    would import. Both take seconds; overlapped, a first run is shorter (docs/performance.md)."""
    from .dbt_parse import finish_parse, start_parse

    parse = start_parse()
    if parse is None:
        return
    try:
        import dagster_dbt  # noqa: F401
        import great_expectations  # noqa: F401
    finally:
        finish_parse(parse)


def ui(host: str, port: int) -> int:
    """`dagster dev` on the code location, with the instance chosen like every other command."""
    _select_instance()
    print(describe(), flush=True)
    dagster = Path(sys.executable).with_name("dagster")
    args = [str(dagster), "dev", "-m", "orchestration.definitions", "-h", host, "-p", str(port)]
    os.execv(args[0], args)


def check_configuration(say_valid: bool = True) -> bool:
    """Print the configuration's problems (and that it is valid, unless `say_valid` is False);
    True when it is valid."""
    from . import configuration

    paths = get_paths()
    problems = configuration.check(paths.config, paths.landing)
    if problems:
        print(f"configuration invalide ({paths.config}) : {len(problems)} problème(s)")
        for problem in problems:
            print(f"  - {problem}")
        return False
    if say_valid:
        print(f"configuration valide ({paths.config})")
    return True


def init_organisation(args) -> int:
    from . import configuration

    paths = get_paths()
    org = configuration.NewOrganisation(
        org_id=args.org_id,
        name=args.nom,
        kind=args.type,
        departement=args.departement,
        sirets=args.siret,
        premier_semestre=args.premier_semestre,
        spaser_debut=args.spaser_debut,
        spaser_fin=args.spaser_fin,
    )
    try:
        written = configuration.init(paths.config, org, paths.landing, add=args.ajouter)
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"spaser init: {exc}", file=sys.stderr)
        return 1
    print(f"configuration de {org.name} écrite dans {paths.config} :")
    for path in written:
        print(f"  {path.name}")
    where = paths.landing / configuration.ORGANISATIONS_LANDING / org.org_id if args.ajouter else paths.landing
    print(f"dossiers de dépôt des flux créés sous {where}")
    print(
        "À faire : renseigner les cibles (spaser_cibles.csv), vérifier les paramètres et les flux "
        "obligatoires, puis `spaser config check`."
    )
    return 0 if check_configuration() else 1


def run_semester(
    semester: str,
    reason: str | None = None,
    instance=None,
    full_refresh: bool = False,
    orgs: list[str] | None = None,
    verbose: bool = False,
) -> bool:
    """Run the whole pipeline for one semester; print what failed and why."""
    from .definitions import defs
    from .partitions import ensure_semester_partitions
    from .semesters import SemesterNotClosed, check_closed

    try:
        check_closed(semester, dt.date.today())
    except SemesterNotClosed as exc:
        print(f"spaser: {exc}", file=sys.stderr)
        return False
    if not check_configuration(say_valid=False):
        return False
    from . import configuration
    from .runs import reap_dead_runs, warehouse_lock

    paths = get_paths()
    known = [r["org_id"] for r in configuration.read_table(paths.config, "organisations")]
    unknown = sorted(set(orgs or []) - set(known))
    if unknown:
        print(
            f"spaser: organisation(s) inconnue(s) : {', '.join(unknown)} (configurées : {', '.join(known)})",
            file=sys.stderr,
        )
        return False
    # refused in seconds rather than after the whole run, naming every reason
    blocked = configuration.unrunnable(paths, semester, orgs)
    for org, reasons in blocked.items():
        print(f"spaser: {org} {semester} ne peut pas être publié : {' ; '.join(reasons)}", file=sys.stderr)
    if blocked and len(blocked) == len(orgs or known):
        print(f"spaser: {semester} non lancé, aucune organisation publiable", file=sys.stderr)
        return False
    with warehouse_lock(paths.home), contextlib.ExitStack() as own:  # one writer: a second `spaser run` waits
        instance = instance or own.enter_context(_instance())
        for run_id in reap_dead_runs(instance):
            print(f"run {run_id} (processus arrêté sans finir) marqué en échec")
        ensure_semester_partitions(instance, dt.date.today())
        return _execute(defs, instance, semester, reason, full_refresh, orgs, home=paths.home, verbose=verbose)


def pipeline_run_config(home: Path, reason: str | None, full_refresh: bool, orgs: list[str] | None) -> dict:
    """The run configuration of a `spaser run` (loggers aside)."""
    # the home in the run's configuration: the Dagster UI shows where the run read and wrote
    run_config: dict = {"ops": {}, "resources": {"spaser": {"config": {"home": str(home)}}}}
    if reason or orgs:
        run_config["ops"]["publication__spaser_release"] = {"config": {"reason": reason, "orgs": orgs}}
    if full_refresh:  # the incremental dbt models from scratch, every raw table and the ingest log validated again
        run_config["ops"]["spaser_dbt_models"] = {"config": {"full_refresh": True}}
        run_config["ops"]["raw__gx_gates"] = {"config": {"revalidate": True}}
        run_config["ops"]["meta__ingest_log_gx_ingest_log"] = {"config": {"revalidate": True}}
    return run_config


def _execute(
    defs,
    instance,
    semester: str,
    reason: str | None,
    full_refresh: bool,
    orgs: list[str] | None,
    home: Path,
    verbose: bool = False,
) -> bool:
    from dagster import colored_console_logger

    from .progress import PhaseProgress, log_file, quiet

    verbose = verbose or bool(os.environ.get("SPASER_VERBOSE"))  # the bench reads the step logs
    progress = PhaseProgress(sys.stdout)
    job = defs.resolve_job_def("spaser_pipeline").with_logger_defs(
        {"console": colored_console_logger, "spaser_progress": progress.logger_def()}
    )
    run_config = pipeline_run_config(home, reason, full_refresh, orgs)
    from .runs import run_tags

    started = time.monotonic()
    # quiet: dbt's node lines and Dagster's logs go to a file, the terminal gets a line per phase
    log = None if verbose else log_file(home, semester)
    run_config["loggers"] = {
        "console": {"config": {"log_level": "DEBUG" if verbose else "INFO"}},
        "spaser_progress": {},
    }
    print(f"{semester} : lancement" + (f" (journal détaillé : {log})" if log else ""), flush=True)
    with quiet(log):
        result = job.execute_in_process(
            partition_key=semester,
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
            tags={"spaser/trigger": "cli", **run_tags()},
        )
    progress.close()
    elapsed = time.monotonic() - started
    print(f"{semester}: run {result.run_id} {'succeeded' if result.success else 'FAILED'} in {elapsed:.1f} s")
    _print_problems(result, verbose=verbose)
    if log and not result.success:
        print(f"  journal détaillé : {log}")
    return result.success


PIPELINE_JOB = "spaser_pipeline"


def root_cause(error) -> str:
    """The innermost error of a Dagster error chain (file, line, field and reason of an
    IngestError, the dbt failure...), not Dagster's "Error occurred while executing op"."""
    while error is not None and (error.cause or error.context) is not None:
        error = error.cause or error.context
    if error is None:
        return "?"
    return f"{error.message.strip()}"


def _print_problems(result, verbose: bool = False) -> None:
    published = False
    warned = []
    for event in result.all_events:
        kind = event.event_type_value
        data = event.event_specific_data
        if kind == "ASSET_CHECK_EVALUATION" and not data.passed:
            blocking = data.severity.value == "ERROR"
            if not blocking and not verbose:  # listed once below; the detail is in the report
                warned.append(data.check_name)
                continue
            print(f"  gate {data.check_name} {'BLOCKED the release' if blocking else 'warned'}:")
            for line in (data.description or "").splitlines():
                print(f"    {line}")
        elif kind == "STEP_FAILURE":
            print(f"  step {event.step_key} failed: {root_cause(data.error)[:2000]}")
        elif kind == "ASSET_MATERIALIZATION" and event.asset_key and event.asset_key.path[0] == "publication":
            published = True
            for key, value in event.materialization.metadata.items():
                if key == "releases":
                    print("  " + str(value.value).replace("\n", "\n  "))
    if warned:
        print(
            f"  {len(warned)} contrôle(s) non bloquant(s) ont averti (lignes en quarantaine ou exclues, "
            "détail : rapport de contrôle du semestre, `spaser paths`)"
        )
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
    if not published and not result.success:
        print("  the semester was NOT published" + (f" (skipped: {', '.join(skipped)})" if skipped else ""))


def show(semester: str, org: str | None = None, summary: bool = False) -> int:
    import duckdb

    paths = get_paths()
    if not paths.warehouse.exists():
        print(f"no warehouse at {paths.warehouse}: run `spaser run` first", file=sys.stderr)
        return 1
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        # the register first: a release left out of the views is still named and refused
        releases = con.execute(
            """SELECT org_id, version, path FROM publication.releases
               WHERE semester = ? AND (? IS NULL OR org_id = ?) ORDER BY org_id""",
            [semester, org, org],
        ).fetchall()
        published = [
            r[0] for r in con.execute("SELECT DISTINCT org_id FROM publication.releases ORDER BY 1").fetchall()
        ]
        if org and org not in published:
            print(
                f"spaser show: aucune publication pour l'organisation {org!r} (publiées : {', '.join(published) or 'aucune'})",
                file=sys.stderr,
            )
            return 1
        if not releases_verified([Path(path) for _, _, path in releases], paths.publications):
            return 1
        rows = con.execute(
            """SELECT org_id, indicator_id, indicator_label, value, unit, target_value, target_year,
                      status, previous_value, unavailable_reason
               FROM publication.mart_spaser_indicateurs
               WHERE period_type = 'semestre' AND period = ? AND (? IS NULL OR org_id = ?)
               ORDER BY org_id, indicator_id""",
            [semester, org, org],
        ).fetchall()
    except duckdb.CatalogException:
        print(f"nothing published yet in {paths.warehouse}", file=sys.stderr)
        return 1
    finally:
        con.close()
    if not rows:
        print(f"no published indicators for {semester}", file=sys.stderr)
        return 1
    rows = sorted(rows, key=lambda r: (r[0], catalogue_order(r[1])))
    print(format_summary(rows, semester, releases) if summary else format_table(rows, semester, releases))
    return 0


AXES = ["GOV", "BES", "IMP", "MOB", "NAT", "DEP"]


def catalogue_order(indicator_id: str) -> tuple[int, int]:
    """GOV-1 .. DEP-4 in the catalogue's order (IMP-2 before IMP-10)."""
    prefix, _, number = indicator_id.partition("-")
    axis = AXES.index(prefix) if prefix in AXES else len(AXES)
    return axis, int(number) if number.isdigit() else 0


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}".replace(",", " ").rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def format_table(rows, semester: str, releases) -> str:
    out = []
    for org, version, path in releases:
        out.append(f"SPASER indicators, {org}, {semester} (release v{version}: {path})")
    header = ("id", "indicator", "value", "unit", "target", "status", "previous")
    table = [header]
    for org, ind, label, value, unit, target, target_year, status, previous, reason in rows:
        target_text = f"{_fmt(target)} ({target_year})" if target is not None else "-"
        value_text = _fmt(value) if value is not None else "n/d"
        table.append(
            (
                ind,
                (label[:58] + "…") if len(label) > 59 else label,
                value_text,
                unit,
                target_text,
                status or "-",
                _fmt(previous),
            )
        )
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for i, r in enumerate(table):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    available = sum(1 for r in rows if r[3] is not None)
    out.append(f"{available} of {len(rows)} indicators available; n/d = not available (reason in the release)")
    return "\n".join(out)


STATUSES = ["atteint", "en bonne voie", "en retard", "sans cible"]


def format_summary(rows, semester: str, releases) -> str:
    """One line per axis of the SPASER: how many indicators met, on track, late, without
    target, not available; then where the full table and the report are."""
    out = []
    for org, version, path in releases:
        out.append(f"SPASER {org}, {semester} (v{version}) : indicateurs par axe")
        counts: dict[str, dict[str, int]] = {}
        for row in (r for r in rows if r[0] == org):
            axis = row[1].partition("-")[0]
            key = "non disponible" if row[3] is None else row[7] or "période incomplète"
            counts.setdefault(axis, {}).setdefault(key, 0)
            counts[axis][key] += 1
        for axis in sorted(counts, key=lambda a: AXES.index(a) if a in AXES else len(AXES)):
            by_status = counts[axis]
            parts = [f"{by_status[k]} {k}" for k in [*STATUSES, "non disponible"] if by_status.get(k)]
            parts += [f"{n} {k}" for k, n in sorted(by_status.items()) if k not in STATUSES and k != "non disponible"]
            out.append(f"  {axis:<4} {sum(by_status.values()):>2} indicateurs : {', '.join(parts)}")
        reports = sorted(Path(path).glob("rapport_*.html"))
        out.append(f"  tableau complet : spaser show --semester {semester} --org {org}")
        if reports:
            out.append(f"  rapport : {reports[0]}")
    return "\n".join(out)


def releases_verified(folders: list[Path], root: Path) -> bool:
    """Print why when a release no longer matches its manifest: never show its figures."""
    from .publication.verify import verify_release

    problems = [p for folder in folders for p in verify_release(folder)]
    if problems:
        print(
            "spaser show : publication refusée, ses fichiers ne correspondent plus à son manifeste "
            "(détail : spaser verify) :",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  {problem.describe(root)}", file=sys.stderr)
    return not problems


def verify(org: str | None, semester: str | None) -> int:
    """`spaser verify`: one line per problem, in French for auditors, then a summary."""
    from .publication.verify import verify_publications

    root = get_paths().publications
    result = verify_publications(root, org, semester)
    for problem in result.problems:
        print(problem.describe(root))
    if not result.versions and not result.problems:
        print(
            f"aucune publication à vérifier sous {root}"
            + (f" (filtre : {' '.join(x for x in (org, semester) if x)})" if org or semester else "")
        )
        return 1 if org or semester else 0
    failed = len(result.failed_versions)
    print(
        f"{len(result.versions)} version(s) vérifiée(s) sous {root} : {len(result.versions) - failed} conforme(s), "
        f"{failed} en échec ; {len(result.problems)} problème(s)"
    )
    return 1 if result.problems else 0


def print_paths() -> None:
    paths = get_paths()
    print(f"warehouse (DuckDB):  {paths.warehouse}")
    print(f"releases:            {paths.publications}")
    # the gates' own index works offline; GX Data Docs load their styles from CDNs
    print(f"quality gates:       {paths.gx_results / 'index.html'}")
    print(f"Data Docs (GX):      {paths.gx_results / 'data_docs' / 'index.html'} (styles need internet access)")
    print(f"landing folder:      {paths.landing}")


def status(limit: int = 10) -> int:
    from dagster import DagsterEventType, RunsFilter

    instance = _instance()
    runs = instance.get_runs(filters=RunsFilter(job_name=PIPELINE_JOB), limit=limit)
    if not runs:
        print("no run yet")
        return 0
    for run in runs:
        stats = instance.get_run_stats(run.run_id)
        when = dt.datetime.fromtimestamp(stats.start_time).isoformat(timespec="seconds") if stats.start_time else "?"
        print(f"{when}  {run.tags.get('dagster/partition', '-'):8}  {run.status.value:8}  {run.run_id}")
        if run.status.value != "SUCCESS":
            for record in instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            ).records:
                data = record.event_log_entry.dagster_event.event_specific_data
                if not data.passed:
                    first = next(iter((data.description or "").splitlines()), "")
                    print(f"    gate {data.check_name} ({data.severity.value}): {first}")
            for record in instance.get_records_for_run(run.run_id, of_type=DagsterEventType.STEP_FAILURE).records:
                event = record.event_log_entry.dagster_event
                print(f"    step {event.step_key}: {root_cause(event.event_specific_data.error)[:600]}")
            if run.status.value == "FAILURE" and run.tags.get("spaser/pid"):
                for record in instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_FAILURE).records:
                    message = record.event_log_entry.dagster_event.message or ""
                    if "ended without finishing" in message:
                        print(f"    {message}")
    return 0


def rapport(year: str | None, semester: str | None, org: str | None, version: int | None, pdf: bool) -> int:
    """`spaser rapport`: the annual bilan of a complete year (--annee), or a release's semester
    report printed to PDF again (--semestre); written under $SPASER_HOME/rapports/<org>/, never
    in a release. Every refusal is one sentence and exit 1."""
    import re

    from .publication.bilan import ReportRefused, organisations, print_release_report, release_report, write_bilan
    from .publication.verify import existing_versions

    paths = get_paths()
    if year is not None and not re.fullmatch(r"20\d\d", year):
        print(f"spaser rapport : --annee {year!r} : une année sur 4 chiffres est attendue (ex. 2025)", file=sys.stderr)
        return 1
    if semester is not None and not re.fullmatch(r"20\d\d-S[12]", semester):
        print(f"spaser rapport : --semestre {semester!r} : un semestre est attendu (ex. 2026-S1)", file=sys.stderr)
        return 1
    try:
        orgs = organisations(paths.publications, org)
    except ReportRefused as exc:
        print(f"spaser rapport : {exc}", file=sys.stderr)
        return 1
    if year is not None:  # a bilan never leaves out a comment silently
        from .configuration import check_commentaires

        if problems := check_commentaires(paths.config):
            print(
                f"spaser rapport : commentaires.csv invalide ({len(problems)} problème(s)), corrigez-le "
                "(spaser config check) :",
                file=sys.stderr,
            )
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            return 1
    if org is None and semester is not None:  # every organisation that published the semester
        orgs = [o for o in orgs if existing_versions(paths.publications / o / semester)] or orgs
    failed = 0
    for name in orgs:
        try:
            if year is not None:
                written = write_bilan(paths, name, int(year), pdf=pdf)
                print(f"bilan annuel {year} de {name} : {written.html}")
            elif pdf:
                written = print_release_report(paths, name, semester, version)
                print(f"rapport {semester} de {name} : {written.html}")
            else:  # the report is in the release already
                print(f"rapport {semester} de {name} : {release_report(paths.publications, name, semester, version)}")
                continue
        except ReportRefused as exc:
            print(f"spaser rapport : {exc}", file=sys.stderr)
            failed += 1
            continue
        if pdf and written.pdf is None:
            print(f"spaser rapport : {written.note} ; le HTML est là : {written.html}", file=sys.stderr)
            failed += 1
        elif written.pdf is not None:
            print(f"  PDF : {written.pdf}")
    return 1 if failed else 0


def accept_exception(semester: str, gate: str, reason: str, by: str, org: str | None) -> int:
    """`spaser accept`: publish a semester despite one blocking rule, explained and signed off."""
    from . import configuration
    from .gates.exceptions import ExceptionRefused, accept

    paths = get_paths()
    rows = configuration.read_table(paths.config, "organisations")
    orgs = [r["org_id"] for r in rows]
    org = org or next((r["org_id"] for r in rows if r.get("landing_default") == "true"), None)
    if org not in orgs:
        print(f"spaser accept : organisation inconnue : {org} (configurées : {', '.join(orgs)})", file=sys.stderr)
        return 1
    try:
        rows = accept(paths.gx_results, paths.config, semester, gate, reason, by, org)
    except ExceptionRefused as exc:
        print(f"spaser accept : {exc}", file=sys.stderr)
        return 1
    for row in rows:
        print(
            f"exception acceptée pour {org} {semester} : {gate}, règle {row['regle']} sur {row['colonne']} "
            f"({row['lignes']} ligne(s)), par {row['accepte_par']} : {row['motif']}"
        )
    print(
        f"enregistrée dans {paths.config / 'exceptions_acceptees.csv'} ; relancez `spaser run --semester {semester}` : "
        "la publication la montrera (manifeste, rapport). D'autres lignes en échec bloqueront de nouveau."
    )
    return 0


def print_exceptions() -> None:
    """The accepted exceptions on record, for `spaser status`."""
    from .gates.exceptions import read

    rows = read(get_paths().config)
    if rows:
        print(f"exceptions acceptées ({len(rows)}) :")
        for r in rows:
            print(
                f"  {r.get('org_id')} {r.get('semestre')} {r.get('controle')} {r.get('regle')} sur {r.get('colonne')} "
                f"({r.get('lignes')} ligne(s)), par {r.get('accepte_par')} le {r.get('accepte_le')} : {r.get('motif')}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spaser", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def examples(*lines: str) -> dict:
        return {
            "epilog": "examples:\n" + "\n".join(f"  {line}" for line in lines),
            "formatter_class": argparse.RawDescriptionHelpFormatter,
        }

    p = sub.add_parser(
        "init",
        help="create the configuration of a new organisation (yours)",
        **examples(
            'spaser init --org-id val --nom "Département du Val" --departement 95 --siret 22950001300011 --siret 22950001300029',
            'spaser init --ajouter --org-id spl_val --nom "SPL du Val" --type spl --siret 81259930600014',
        ),
    )
    p.add_argument("--org-id", required=True, help="short identifier, e.g. val (lower case, digits, _)")
    p.add_argument("--nom", required=True, help="name, e.g. 'Département du Val'")
    p.add_argument(
        "--type",
        default="departement",
        help="departement (default), region, commune, epci, spl, etablissement_public, autre",
    )
    p.add_argument("--departement", default="", help="département code, e.g. 95, 2A, 974")
    p.add_argument(
        "--siret",
        action="append",
        default=[],
        required=True,
        help="a buyer SIRET of the organisation (repeat for each)",
    )
    p.add_argument("--premier-semestre", default=None, help="first semester to report, default: SPASER start S1")
    p.add_argument("--spaser-debut", type=int, default=dt.date.today().year, help="first year of the SPASER")
    p.add_argument("--spaser-fin", type=int, default=None, help="last year of the SPASER (default: start + 4)")
    p.add_argument(
        "--ajouter",
        action="store_true",
        help="add this organisation (a partner SPL, an EPCI...) to the existing configuration; "
        "its files go to landing/organisations/<org-id>/",
    )
    p = sub.add_parser("config", help="the organisation's configuration")
    p.add_argument("action", choices=["check"], help="check: validate it and list what to fix")
    p = sub.add_parser(
        "modeles", help="write the blank templates (CSV and .xlsx) of the files the organisation's services fill"
    )
    p.add_argument("--dossier", type=Path, default=None, help="where to write them (default: $SPASER_HOME/modeles)")
    p = sub.add_parser("demo", help="write the demo organisation's configuration and feeds")
    p.add_argument(
        "--contracts", type=int, default=3000, help="DECP contracts over 2024-S1..2026-S1 (national scale: 1500000)"
    )
    p.add_argument(
        "--buyers",
        type=int,
        default=None,
        help="add this many buyers of other départements (national scale; default: the org only)",
    )
    p.add_argument("--seed", type=int, default=20240101)
    p = sub.add_parser(
        "run",
        help="run the pipeline for one semester",
        **examples(
            "spaser run                                   # the last closed semester, every organisation",
            "spaser run --semester 2026-S1 --org val",
            'spaser run --semester 2026-S1 --reason "export des procédures corrigé"   # a v2 if figures changed',
        ),
    )
    p.add_argument("--semester", default=None, help="default: the last closed semester")
    p.add_argument("--reason", default=None, help="reason recorded in a new release version")
    p.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental dbt models from scratch (automatic when the dbt project changed) "
        "and validate every raw table again (otherwise a table unchanged since its last validation reuses it)",
    )
    p.add_argument(
        "--org",
        action="append",
        default=None,
        help="publish only this organisation (repeat for several; default: every one)",
    )
    p.add_argument(
        "--verbose", "-v", action="store_true", help="print dbt's and Dagster's logs instead of one line per phase"
    )
    p = sub.add_parser(
        "backfill",
        help="run the pipeline for a range of semesters, oldest first",
        **examples("spaser backfill --from 2024-S1 --to 2026-S1"),
    )
    p.add_argument("--from", dest="first", required=True)
    p.add_argument("--to", dest="last", required=True)
    p.add_argument("--reason", default=None)
    p.add_argument("--org", action="append", default=None, help="publish only this organisation")
    p.add_argument(
        "--verbose", "-v", action="store_true", help="print dbt's and Dagster's logs instead of one line per phase"
    )
    p = sub.add_parser(
        "withdraw",
        help="take a wrongly delivered file out of the next build, with the reason",
        **examples('spaser withdraw .spaser/landing/decp/x.json --reason "livré par erreur" --by "service achats"'),
    )
    p.add_argument("file", help="the file in its landing folder, e.g. .spaser/landing/decp/x.json")
    p.add_argument("--reason", required=True, help="why, recorded in the ingest log and the next manifest")
    p.add_argument("--by", default=None, help="who asks (name, role)")
    p = sub.add_parser(
        "show",
        help="print the published indicator table of a semester",
        **examples("spaser show --semester 2026-S1", "spaser show --semester 2026-S1 --org val --synthese"),
    )
    p.add_argument("--semester", required=True)
    p.add_argument("--org", default=None)
    p.add_argument(
        "--synthese", action="store_true", help="one line per axis (met, on track, late...) instead of the table"
    )
    p = sub.add_parser(
        "verify",
        help="check every release's files against its manifest (exit 1 on a problem)",
        **examples("spaser verify", "spaser verify --org val --semester 2026-S1"),
    )
    p.add_argument("--org", default=None, help="only this organisation")
    p.add_argument("--semester", default=None, help="only this semester")
    p = sub.add_parser(
        "rapport",
        help="the SPASER's annual bilan of a year (--annee), or a release's report printed again (--semestre)",
        description="The annual bilan is rendered from the year's S2 release (the year's complete figures) and "
        "the commentary of the configuration (commentaires.csv); reports are written to "
        "$SPASER_HOME/rapports/<org>/, never inside a release.",
        **examples(
            "spaser rapport --annee 2025                  # bilan annuel 2025 (HTML), every organisation",
            "spaser rapport --annee 2025 --org val --pdf  # and its PDF (needs Chromium: apt-get install chromium)",
            "spaser rapport --semestre 2026-S1 --pdf      # the release's semester report printed to PDF again",
        ),
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--annee", default=None, help="a complete year (its S2 published), e.g. 2025")
    which.add_argument("--semestre", "--semester", dest="semestre", default=None, help="a published semester")
    p.add_argument("--org", default=None, help="only this organisation (default: every published one)")
    p.add_argument("--version", type=int, default=None, help="with --semestre: this version (default: the latest)")
    p.add_argument("--pdf", action="store_true", help="also print a PDF with Chromium (headless)")
    p = sub.add_parser(
        "accept",
        help="publish a semester despite one blocking rule, with the reason and who accepts it",
        **examples(
            'spaser accept 2026-S1 --gate gx_ingest_log --reason "plateforme X : 33 marchés sans id, non corrigeable" '
            '--by "Jeanne Martin, responsable SPASER"'
        ),
    )
    p.add_argument("semester", help="the semester, e.g. 2026-S1")
    p.add_argument("--gate", required=True, help="the blocking check, as `spaser status` names it (e.g. gx_ingest_log)")
    p.add_argument("--reason", required=True, help="why, shown in the manifest, the report and the gates' page")
    p.add_argument("--by", required=True, help="who accepts it (name, role)")
    p.add_argument("--org", default=None, help="the organisation (default: the main one)")
    p = sub.add_parser(
        "observatoire",
        help="the national observatory: every buyer's DECP indicators by département and kind (after spaser run)",
        **examples("spaser observatoire   # landing/sirene/: StockEtablissement*.csv, StockUniteLegale*.csv"),
    )
    p.add_argument("--verbose", "-v", action="store_true", help="print dbt's and Dagster's logs instead of a summary")
    sub.add_parser("status", help="the last runs and their failures, and the accepted exceptions")
    sub.add_parser("paths", help="where the outputs are")
    sub.add_parser("prepare", help="parse the dbt project into its manifest (deployment step; run/backfill do it)")
    sub.add_parser("instance", help="which Dagster instance (storage) is used")
    p = sub.add_parser("ui", help="the Dagster UI (dagster dev) on the chosen instance")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    if args.command in ("run", "backfill"):
        prepare_code_location()

    if args.command == "init":
        args.spaser_fin = args.spaser_fin or args.spaser_debut + 4
        args.premier_semestre = args.premier_semestre or f"{args.spaser_debut}-S1"
        return init_organisation(args)
    if args.command == "config":
        return 0 if check_configuration() else 1
    if args.command == "modeles":
        from .templates import main_modeles

        return main_modeles(args.dossier)
    if args.command == "demo":
        from . import configuration
        from .feeds import all_feeds

        paths = get_paths()
        if not configuration.write_demo(paths.config):
            print(
                f"spaser demo: {paths.config} holds another organisation's configuration; run the demo "
                "in another SPASER_HOME",
                file=sys.stderr,
            )
            return 1
        landing = paths.landing
        written = []
        for feed in all_feeds():
            if feed.write_demo:
                extra = {"n_buyers": args.buyers} if args.buyers else {}
                feed.write_demo(Path(landing), seed=args.seed, n_contracts=args.contracts, **extra)
                written.append(feed.name)
        print(f"demo: configuration written to {paths.config}, feeds ({', '.join(written)}) to {landing}")
        return 0
    if args.command == "run":
        semester = args.semester or last_closed_semester(dt.date.today())
        ok = run_semester(semester, args.reason, full_refresh=args.full_refresh, orgs=args.org, verbose=args.verbose)
        return 0 if ok else 1
    if args.command == "backfill":
        from .semesters import SemesterNotClosed, check_closed

        try:
            for key in (args.first, args.last):
                check_closed(key, dt.date.today())
        except SemesterNotClosed as exc:
            print(f"spaser backfill: {exc}", file=sys.stderr)
            return 1
        if not semesters_between(args.first, args.last):
            print(f"spaser backfill: --from {args.first} est après --to {args.last}", file=sys.stderr)
            return 1
        if not check_configuration():
            return 1
        with _instance() as instance:
            results = {
                s: run_semester(s, args.reason, instance, orgs=args.org, verbose=args.verbose)
                for s in semesters_between(args.first, args.last)
            }
        failed = [s for s, ok in results.items() if not ok]
        print(
            f"backfill: {len(results) - len(failed)} of {len(results)} semester(s) published"
            + (f"; failed: {', '.join(failed)}" if failed else "")
        )
        return 1 if failed else 0
    if args.command == "show":
        return show(args.semester, args.org, summary=args.synthese)
    if args.command == "verify":
        return verify(args.org, args.semester)
    if args.command == "status":
        code = status()
        print_exceptions()
        return code
    if args.command == "accept":
        return accept_exception(args.semester, args.gate, args.reason, args.by, args.org)
    if args.command == "observatoire":
        from .observatory.cli import main_observatoire

        return main_observatoire(verbose=args.verbose)
    if args.command == "rapport":
        return rapport(args.annee, args.semestre, args.org, args.version, args.pdf)
    if args.command == "withdraw":
        from .ingest.framework import IngestError
        from .ingest.withdraw import withdraw_file

        try:
            moved = withdraw_file(get_paths(), Path(args.file), args.reason, args.by)
        except (IngestError, ValueError) as exc:
            print(f"spaser withdraw: {exc}", file=sys.stderr)
            return 1
        print(
            f"{args.file} retiré ({args.reason}) : déplacé vers {moved} ; ses lignes quittent l'entrepôt au "
            "prochain lancement (spaser run)"
        )
        return 0
    if args.command == "prepare":
        from .dbt_parse import MANIFEST_PATH, prepare_manifest

        print(f"dbt manifest {'parsed' if prepare_manifest() else 'up to date'}: {MANIFEST_PATH}")
        return 0
    if args.command == "paths":
        print_paths()
        return 0
    if args.command == "instance":
        print(describe())
        return 0
    if args.command == "ui":
        return ui(args.host, args.port)
    return 2


def entry() -> int:
    """The `spaser` command (`python -m orchestration.cli`): main(), then the process ends.

    Python's teardown collects the whole heap several times: 1.6 s between a run's last line and
    its exit, 0.5 s once the heap is frozen (docs/performance.md). Objects still alive at exit
    are then left to the system, as at any process end; those freed by reference count (closed
    files, connections) still are. Not in main(): tests call it in their own process."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(entry())

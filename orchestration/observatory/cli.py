"""`spaser observatoire`: build the national observatory on the warehouse of SPASER_HOME."""

from __future__ import annotations

import sys
import time


def main_observatoire(verbose: bool = False) -> int:
    from .. import configuration
    from ..cli import _instance, root_cause
    from ..dbt_parse import prepare_manifest
    from ..progress import log_file, quiet
    from ..runs import run_tags, warehouse_lock
    from ..settings import get_paths
    from . import build
    from .job import JOB_NAME

    paths = get_paths()
    # the organisation's configuration (its parameters give DEP-4 thresholds); its feeds' landing
    # folders are the semester run's business, not the observatory's
    problems = configuration.check(paths.config)
    if problems:
        print(f"configuration invalide ({paths.config}) : {len(problems)} problème(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    try:
        build.read_parameters(paths)
    except build.ObservatoryError as exc:
        print(f"spaser observatoire : {exc}", file=sys.stderr)
        return 1
    prepare_manifest()  # the code location needs a current dbt manifest
    from ..definitions import defs

    started = time.monotonic()
    # Dagster's and dbt's logs go to a file unless --verbose, as for spaser run
    log = None if verbose else log_file(paths.home, "observatoire")
    print("observatoire : lancement" + (f" (journal détaillé : {log})" if log else ""), flush=True)
    with warehouse_lock(paths.home), quiet(log):
        result = defs.resolve_job_def(JOB_NAME).execute_in_process(
            instance=_instance(),
            raise_on_error=False,
            run_config={"resources": {"spaser": {"config": {"home": str(paths.home)}}}},
            tags={"spaser/trigger": "cli", **run_tags()},
        )
    elapsed = time.monotonic() - started
    if not result.success:
        print(f"observatoire : run {result.run_id} en ÉCHEC après {elapsed:.1f} s", file=sys.stderr)
        for event in result.all_events:
            if event.event_type_value == "STEP_FAILURE":
                cause = root_cause(event.event_specific_data.error)
                print(f"  étape {event.step_key} : {cause if verbose else cause[:2000]}", file=sys.stderr)
        if log:
            print(f"  journal détaillé : {log}", file=sys.stderr)
        return 1
    folder = build.output_folder(paths)
    print(f"observatoire : run {result.run_id} réussi en {elapsed:.1f} s")
    print(f"  page nationale : {folder / 'index.html'}")
    print(f"  tables : publication.{', publication.'.join(build.MARTS)} (fichiers dans {folder / 'donnees'})")
    return 0

"""What the user sees from the CLI: one clear sentence and a non-zero exit for a user error, the
underlying cause (file, line, reason) of a failed run, and a `status` that never crashes."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.cli import main, root_cause


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "--semester", "2026-S3"], "semestre '2026-S3' invalide"),
        (["run", "--semester", "2099-S1"], "n'est pas terminé"),
        (["backfill", "--from", "2026-S1", "--to", "2025-S1"], "--from 2026-S1 est après --to 2025-S1"),
        (["backfill", "--from", "2025-S1", "--to", "2099-S2"], "n'est pas terminé"),
    ],
)
def test_user_errors_are_one_sentence_and_a_non_zero_exit(argv, expected, spaser_home, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_unknown_organisations_and_absent_feeds_are_refused_before_anything_runs(demo_home, capsys):
    import shutil

    for folder in ("energie/sites", "saisie"):  # two required feeds, delivered empty
        shutil.rmtree(demo_home / "landing" / folder)
        (demo_home / "landing" / folder).mkdir()
    assert main(["run", "--semester", "2026-S1", "--org", "paris"]) == 1
    assert "organisation(s) inconnue(s) : paris (configurées : nordval)" in capsys.readouterr().err
    assert main(["run", "--semester", "2026-S1"]) == 1
    err = capsys.readouterr().err
    assert "flux obligatoire energie/sites : aucun fichier" in err and "flux obligatoire saisie/valeurs" in err
    assert "2026-S1 non lancé" in err and "Traceback" not in err
    assert main(["run", "--semester", "2023-S2"]) == 1
    assert "2023-S2 précède son premier semestre (2024-S1)" in capsys.readouterr().err
    assert not (demo_home / "warehouse").exists()  # refused in seconds: nothing ran


class _BadFile(Exception):
    pass


@dg.asset
def _reads_a_file():
    raise _BadFile("landing/decp/x.json: line 12: montant: '12,5,3' is not a number")


@dg.asset
def _checked():
    return 1


@dg.asset_check(asset=_checked, blocking=True)
def _empty_description_gate():
    return dg.AssetCheckResult(passed=False, description="")


def test_status_shows_the_cause_and_never_crashes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        failed = dg.materialize([_reads_a_file], instance=instance, raise_on_error=False)
        [failure] = [e for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
        assert root_cause(failure.event_specific_data.error) == (
            "test_cli._BadFile: landing/decp/x.json: line 12: montant: '12,5,3' is not a number"
        )
        dg.materialize([_checked, _empty_description_gate], instance=instance, raise_on_error=False)
    # status lists the runs of the pipeline job: these ran as Dagster's ephemeral asset job
    from orchestration import cli

    monkeypatch.setattr(cli, "PIPELINE_JOB", "__ephemeral_asset_job__")
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "line 12: montant: '12,5,3' is not a number" in out
    assert "gate _empty_description_gate (ERROR): " in out


@pytest.mark.parametrize("command", ["init", "run", "backfill", "withdraw", "show", "verify"])
def test_help_of_each_command_shows_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"spaser {command}" in out.split("examples:")[1]


def test_the_command_freezes_its_heap_before_python_s_teardown():
    """`spaser` (entry) returns main's exit code with the heap frozen, so the interpreter's
    teardown does not collect a run's whole heap again; main() itself, which tests call in
    process, leaves the heap alone."""
    import subprocess
    import sys

    probe = (
        "import gc, sys; from orchestration import cli; "
        "cli.main = lambda: print('main', gc.get_freeze_count()) or 3; "
        "code = cli.entry(); print('exit', code, gc.get_freeze_count() > 0)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["main", "0", "exit", "3", "True"]


def test_commands_that_run_nothing_do_not_import_dagster(tmp_path):
    """`spaser paths` and `demo` (and `show`) answer in a fraction of a second: they read the
    semester calendar (semesters.py) but never import Dagster (0.4 s), nor dbt."""
    import os
    import subprocess
    import sys

    probe = (
        "import sys; from orchestration import cli; cli.main(['paths']); cli.main(['demo']); "
        "print(sorted(m for m in ('dagster', 'dagster_dbt', 'dbt') if m in sys.modules))"
    )
    env = {**os.environ, "SPASER_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "[]"

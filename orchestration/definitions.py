"""The Dagster code location of the SPASER warehouse."""

from dagster import Definitions

from .dbt import dbt_resource, spaser_dbt_models
from .gates.checks import gate_checks
from .ingest.assets import ingest_assets, ingest_log
from .jobs import landing_sensor, semester_calendar_sensor, semester_publication_schedule, spaser_pipeline
from .observatory.job import observatoire
from .postgres.assets import postgres_assets
from .publication.assets import release_register_spec, spaser_release
from .resources import spaser_resource

defs = Definitions(
    assets=[*ingest_assets, ingest_log, spaser_dbt_models, spaser_release, release_register_spec, *postgres_assets()],
    asset_checks=gate_checks,
    jobs=[spaser_pipeline, observatoire],
    schedules=[semester_publication_schedule],
    sensors=[landing_sensor, semester_calendar_sensor],
    resources={"dbt": dbt_resource, "spaser": spaser_resource},
)

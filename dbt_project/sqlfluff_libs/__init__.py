"""Stand-ins for dbt's `adapter` and `dbt` Jinja objects, for sqlfluff's jinja templater only
(`.sqlfluff`: library_path). Linting renders the DuckDB SQL: `adapter.dispatch` picks the
`duckdb__` (else `default__`) macro, `dbt.<macro>` renders what dbt-duckdb renders."""


def env_var(name, default=None):
    """dbt's `env_var`: linting renders with the default (macros/semester.sql reads the semester)."""
    return "" if default is None else default

"""`adapter.dispatch(name)` as dbt-duckdb resolves it: duckdb__name, else default__name."""

import jinja2


@jinja2.pass_context
def dispatch(context, macro_name, macro_namespace=None):
    for prefix in ("duckdb__", "default__"):
        macro = context.get(prefix + macro_name)
        if macro is not None:
            return macro
    raise KeyError(f"no duckdb__ or default__ implementation of {macro_name}")

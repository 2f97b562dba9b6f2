"""Register the pandas datasource and one dataframe asset per suite in the committed GX
project (`expectations/gx/great_expectations.yml`). Run once after adding a suite:

    SPASER_GX_RESULTS_DIR=/tmp/gx python -m orchestration.gates.init_gx

At run time the pipeline only reads this configuration; it never rewrites it.
"""

from __future__ import annotations

import sys

from .runner import BATCH_DEFINITION, DATASOURCE, gx_context

SUITES = ["raw_decp_marches", "raw_procedures_internes", "ingest_log", "mart_spaser_indicateurs", "feed_coverage"]


def main() -> int:
    context = gx_context()
    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATASOURCE)
    for name in SUITES:
        try:
            asset = source.get_asset(name)
        except LookupError:
            asset = source.add_dataframe_asset(name)
        try:
            asset.get_batch_definition(BATCH_DEFINITION)
        except (KeyError, ValueError, LookupError):
            asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        print(f"asset {name}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

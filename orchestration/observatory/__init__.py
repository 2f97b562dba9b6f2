"""The national observatory (issue 16, item 1): the DECP-derived SPASER indicators of every
public buyer, département and kind of buyer, side by side (docs/observatoire.md).

- `build`: the SIRENE extract's ingest, the observatory's own dbt invocation (`tag:observatoire`,
  never part of a semester build) and the `publication` tables;
- `page`: the national static HTML page and one page per département;
- `job`: the Dagster job `observatoire` (registered in orchestration/definitions.py);
- `cli`: `spaser observatoire`;
- `standing`: "where do I stand", read by the semester report.
"""

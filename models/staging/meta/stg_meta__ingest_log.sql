-- Files currently loaded, per feed and raw table, with their row accounting.
select
    feed,
    raw_table,
    source_file,
    source_sha256,
    file_bytes,
    rows_read,
    rows_loaded,
    rows_quarantined,
    ingested_at
from {{ source('meta', 'ingest_log') }}
where superseded_at is null

-- Semesters already released by the warehouse, per organisation.
select
    org_id,
    semester,
    version,
    path as release_path,
    published_at
from {{ source('publication', 'releases') }}

-- The identifier macros on known cases, on whichever adapter builds (DuckDB and PostgreSQL):
-- returns the cases a macro gets wrong. A French SIREN, SIRET or VAT number typed with spaces,
-- dots or dashes is compacted; a foreign identifier stays as received (identifiant_compact).
with cases as (
    select
        'FR 12 345 678 901' as raw,
        'FR12345678901' as expected
    union all
    select
        '225 900 992 00010' as raw,
        '22590099200010' as expected
    union all
    select
        '225.900.992' as raw,
        '225900992' as expected
    union all
    select
        '  81259930600014 ' as raw,
        '81259930600014' as expected
    union all
    select
        'HRB 12345' as raw,
        'HRB 12345' as expected
    union all
    select
        'B-1234-5' as raw,
        'B-1234-5' as expected
    union all
    select
        '   ' as raw,
        cast(null as varchar) as expected
)

select
    raw,
    expected,
    {{ identifiant_compact('raw') }} as got
from cases
where {{ identifiant_compact('raw') }} is distinct from expected

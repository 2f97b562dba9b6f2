-- The identifier macros on known cases, on whichever adapter builds (DuckDB and PostgreSQL):
-- returns the cases a macro gets wrong. A French SIREN, SIRET or VAT number typed with spaces,
-- dots or dashes is compacted; a foreign identifier stays as received (identifiant_compact).
with cases as (
    select
        'FR 12 345 678 901' as received,
        'FR12345678901' as expected
    union all
    select
        '225 900 992 00010' as received,
        '22590099200010' as expected
    union all
    select
        '225.900.992' as received,
        '225900992' as expected
    union all
    select
        '  81259930600014 ' as received,
        '81259930600014' as expected
    union all
    select
        'HRB 12345' as received,
        'HRB 12345' as expected
    union all
    select
        'B-1234-5' as received,
        'B-1234-5' as expected
    union all
    select
        '   ' as received,
        cast(null as varchar) as expected
)

select
    received,
    expected,
    {{ identifiant_compact('received') }} as got
from cases
where {{ identifiant_compact('received') }} is distinct from expected

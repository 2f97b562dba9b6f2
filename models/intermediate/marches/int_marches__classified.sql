-- Current version of each contract with its organisation and, when it must not count, the
-- reason. Rules and thresholds come from seeds (decp_enregistrements_test, spaser_parametres).
--
-- Incremental (issue 5): only the contracts whose current version changed since the last build
-- are classified again (delete+insert on contrat_key); the post-hook drops contracts no longer
-- received. A change of seeds or SQL triggers a full refresh (orchestration/dbt.py).
-- depends_on: {{ ref('decp_enregistrements_test') }}
{{ incremental_by_contract(
    "{{ delete_contracts_not_in(ref('int_marches__versions_ranked'), 'kept.version_rank = 1') }}"
) }}

-- [performance, issue 15] The contract CTEs are not materialized: each use scans only the
-- columns it needs instead of a copy of every wide row (3.3 -> 1.9 CPU-s full, 3.3 -> 1.7
-- incremental at 1.5 million contracts); the incremental branch compares the narrow ranks and
-- reads the records of the changed contracts only, which it keeps materialized.
with ranked_current as not materialized (
    select * from {{ ref('int_marches__versions_ranked') }}
    where version_rank = 1
),

-- the current version's record (int_marches__versions_ranked holds the ranks only)
current_records as not materialized (
    select
        s.*,
        r.version_rank,
        r.nombre_versions_recues
    from {{ ref('stg_decp__marches') }} as s
    inner join ranked_current as r
        on
            s._source_file = r._source_file
            and s._source_row = r._source_row
            and s.record_path = r.record_path
),

{% if is_incremental() %}

    current_versions as (
        {{ changed_contract_rows('ranked_current', rows='current_records') }}
    ),

{% else %}

    current_versions as not materialized (
        select * from current_records
    ),

{% endif %}

buyers as (select * from {{ ref('organisation_acheteurs') }}),

-- [performance, issue 5] The test patterns (seed decp_enregistrements_test) are read when the
-- model is compiled and inlined as constant regexes: joined as a table, every contract x pattern
-- pair recompiled its regex (3 s of CPU per 100 000 contracts, the slowest model at national
-- scale). Same result: the first matching reason in alphabetical order (formerly min(reason)).
{%- set test_patterns = [] -%}
{%- if execute is sameas true -%}
    {%- set test_patterns = run_query(
        "select field, pattern, reason from " ~ ref('decp_enregistrements_test') ~ " order by reason"
    ).rows -%}
{%- endif %}
{%- set test_reason_case -%}
    case
    {%- for field, pattern, reason in test_patterns %}
        {%- if field == 'acheteur_id' %}
        when c.acheteur_id = '{{ pattern | replace("'", "''") }}'
        {%- else %}
        when {{ regexp_like('lower(c.' ~ field ~ ')', "'" ~ (pattern | replace("'", "''")) ~ "'") }}
        {%- endif %}
            then '{{ reason | replace("'", "''") }}'
    {%- endfor %}
        when false then cast(null as varchar)
    end
{%- endset %}

-- the plausible amount range of a buyer outside every organisation (national DECP: the
-- observatory compares every buyer) is the landing-default organisation's (one row, always)
default_org as (
    select min(org_id) as org_id from {{ ref('organisations') }}
    where landing_default
),

-- each organisation's range as one row, joined once: a parameter subquery per contract took the
-- model from 3.5 s to 10.5-11 s at 1.5 million contracts once every buyer had a range
plausible_ranges as (
    select
        o.org_id,
        {{ param('o.org_id', 'montant_plausible_min_eur') }} as montant_min,
        {{ param('o.org_id', 'montant_plausible_max_eur') }} as montant_max
    from {{ ref('organisations') }} as o
),

classified as (
    select
        c.*,
        b.org_id,
        -- computed on the row: a CTE of the matches joined back read the current versions twice
        {{ test_reason_case }} as test_reason,
        coalesce(c.montant between r.montant_min and r.montant_max, false) as montant_plausible
    from current_versions as c
    left join buyers as b on c.acheteur_id = b.acheteur_siret
    cross join default_org as d
    left join plausible_ranges as r on coalesce(b.org_id, d.org_id) = r.org_id
)

select
    *,
    case
        when test_reason is not null then 'enregistrement de test: ' || test_reason
        when contract_kind = 'concession' then 'contrat de concession: hors périmètre des marchés'
        when extract(year from date_notification) < 2000
            then 'date de notification implausible: ' || cast(date_notification as varchar)
        -- judged against the record's own publication date, never the day it was loaded: the
        -- same files give the same exclusions on any day
        when date_notification > date_publication_donnees
            then 'date de notification postérieure à la date de publication des données'
    end as exclusion_reason
from classified

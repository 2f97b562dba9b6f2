-- Drill-down of every published indicator value to its source rows: one line per
-- organisation x period x indicator x source record in the indicator's scope, with whether it
-- counts in the denominator and the numerator, the flags used, and the source file and row.
-- Each feed with row-level lineage lists its lines model here.
{%- set lineage_models = [('int_marches__indicateur_lignes', 'marches')] %}

{% for model, feed in lineage_models %}
    select
        org_id,
        period_type,
        period,
        indicator_id,
        '{{ feed }}' as source_feed,
        contrat_key as record_key,
        in_denominator,
        in_numerator,
        flags,
        _source_file as source_file,
        _source_row as source_row,
        procedures_source_file as secondary_source_file,
        procedures_source_row as secondary_source_row
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}

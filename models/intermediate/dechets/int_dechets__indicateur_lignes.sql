-- Lineage of the waste indicators (int_indicateurs__dechets), one line per organisation x
-- period x indicator x source row of its scope (columns as every int_<feed>__indicateur_lignes).
-- A row that does not count (exclusion_reason) is listed with 0 and the reason in its flags.
-- BES-6: registry lines shipped in the period (tonnes in the numerator) and in the same period
--        one year earlier (tonnes in the denominator). Value = numerator.
-- BES-7: auctions and second-hand purchases of the period, EUR gained in the numerator.
-- IMP-4: road-work sites finished in the period, tonnes of aggregates saved in the numerator.
with periods as (select * from {{ ref('int_periodes') }}),

registre as (
    select * from {{ ref('fct_dechets_enlevements') }}
    where org_id is not null
),

granulats as (
    select * from {{ ref('fct_dechets_granulats') }}
    where org_id is not null
),

reemploi as (
    select * from {{ ref('fct_dechets_reemploi') }}
    where org_id is not null
),

-- BES-6: the registry lines of the period in the numerator, those of the same period one year
-- earlier in the denominator
{%- set waste_sides = [
    ('in_numerator', "tonnes expédiées dans la période", 'p.period_start', 'p.period_end'),
    ('in_denominator', "tonnes expédiées dans la même période un an plus tôt",
        "cast(p.period_start - interval '1 year' as date)", "cast(p.period_end - interval '1 year' as date)"),
] %}
{%- set counts = "case when r.exclusion_reason is null then coalesce(r.poids_t, 0) else 0 end" %}
waste_lines as (
    {%- for side, measure, since, until in waste_sides %}
        select
            p.org_id,
            p.period_type,
            p.period,
            'BES-6' as indicator_id,
            r.ligne_key as record_key,
            '{{ measure }}' as measure,
            'tonnes' as unit,
            {{ 'r.exclusion_reason is null' if side == 'in_denominator' else 'false' }} as in_denominator,
            {{ 'r.exclusion_reason is null' if side == 'in_numerator' else 'false' }} as in_numerator,
            {{ counts if side == 'in_numerator' else '0' }} as numerator_value,
            {{ counts if side == 'in_denominator' else '0' }} as denominator_value,
            r.date_expedition,
            r.code_dechet,
            r.exclusion_reason,
            r._source_file,
            r._source_row
        from periods as p
        inner join registre as r
            on p.org_id = r.org_id and r.date_expedition between {{ since }} and {{ until }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

{{ indicator_line(
    'indicator_id', 'record_key', 'measure', 'unit', 'in_denominator', 'in_numerator', 'numerator_value',
    denominator_value='denominator_value', value_contribution='numerator_value',
    flags=line_flags([
        ('date_expedition', 'date_expedition'),
        ('code_dechet', 'code_dechet'),
        ('exclusion', "coalesce(exclusion_reason, 'aucune')"),
    ]),
    sources=('_source_file', '_source_row'),
) }}
from waste_lines
union all
{%- set gain = 'case when o.exclusion_reason is null then coalesce(o.gain_eur, 0) else 0 end' %}
{{ indicator_line(
    "'BES-7'", 'o.reference', "'gain d''une vente aux enchères ou d''un achat de seconde main'", "'EUR'",
    periods='p', in_denominator='false', in_numerator='o.exclusion_reason is null',
    numerator_value=gain, value_contribution=gain,
    flags=line_flags([
        ('type_operation', 'o.type_operation'),
        ('date_operation', 'o.date_operation'),
        ('montant_eur', 'o.montant_eur', 'number'),
        ('prix_neuf_estime_eur', 'o.prix_neuf_estime_eur', 'number'),
        ('exclusion', "coalesce(o.exclusion_reason, 'aucune')"),
    ]),
    sources=('o._source_file', 'o._source_row'),
) }}
from periods as p
inner join reemploi as o
    on
        p.org_id = o.org_id
        and o.date_operation between p.period_start and p.period_end
union all
{%- set saved = 'case when g.exclusion_reason is null then coalesce(g.granulats_economises_t, 0) else 0 end' %}
{{ indicator_line(
    "'IMP-4'", 'g.chantier_id', "'granulats neufs économisés par un chantier terminé'", "'tonnes'",
    periods='p', in_denominator='false', in_numerator='g.exclusion_reason is null',
    numerator_value=saved, value_contribution=saved,
    flags=line_flags([
        ('date_fin', 'g.date_fin'),
        ('methode', 'g.methode_economie'),
        ('tonnage_recycle_ou_reemploye_t', 'g.tonnage_recycle_ou_reemploye_t', 'number'),
        ('tonnage_granulats_neufs_evites_t', 'g.tonnage_granulats_neufs_evites_t', 'number'),
        ('exclusion', "coalesce(g.exclusion_reason, 'aucune')"),
    ]),
    sources=('g._source_file', 'g._source_row'),
) }}
from periods as p
inner join granulats as g
    on
        p.org_id = g.org_id
        and g.date_fin between p.period_start and p.period_end

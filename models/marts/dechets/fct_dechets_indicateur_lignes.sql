-- Lineage of the waste indicators (fct_dechets_indicateurs), one line per organisation x
-- period x indicator x source row of its scope (columns as every fct_<feed>_indicateur_lignes).
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
{#- BES-7 and IMP-4: each operation or road-work site of the period adds its amount (EUR gained,
    tonnes of aggregates saved) to the numerator and the value, unless excluded -#}
{%- set amounts = [
    ('BES-7', 'reemploi', 'reference', 'date_operation', 'gain_eur', 'EUR',
        "gain d''une vente aux enchères ou d''un achat de seconde main", [
            ('type_operation', 'x.type_operation'),
            ('date_operation', 'x.date_operation'),
            ('montant_eur', 'x.montant_eur', 'number'),
            ('prix_neuf_estime_eur', 'x.prix_neuf_estime_eur', 'number'),
        ]),
    ('IMP-4', 'granulats', 'chantier_id', 'date_fin', 'granulats_economises_t', 'tonnes',
        "granulats neufs économisés par un chantier terminé", [
            ('date_fin', 'x.date_fin'),
            ('methode', 'x.methode_economie'),
            ('tonnage_recycle_ou_reemploye_t', 'x.tonnage_recycle_ou_reemploye_t', 'number'),
            ('tonnage_granulats_neufs_evites_t', 'x.tonnage_granulats_neufs_evites_t', 'number'),
        ]),
] %}
{%- for id, relation, key, date, amount, unit, measure, fields in amounts %}
    {%- set counted = 'case when x.exclusion_reason is null then coalesce(x.' ~ amount ~ ', 0) else 0 end' %}
    union all
    {{ indicator_line(
        "'" ~ id ~ "'", 'x.' ~ key, "'" ~ measure ~ "'", "'" ~ unit ~ "'", periods='p',
        in_denominator='false', in_numerator='x.exclusion_reason is null',
        numerator_value=counted, value_contribution=counted,
        flags=line_flags(fields + [('exclusion', "coalesce(x.exclusion_reason, 'aucune')")]),
        sources=('x._source_file', 'x._source_row'),
    ) }}
    from periods as p
    inner join {{ relation }} as x
        on p.org_id = x.org_id and x.{{ date }} between p.period_start and p.period_end
{%- endfor %}

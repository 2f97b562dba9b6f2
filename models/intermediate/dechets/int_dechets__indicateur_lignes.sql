-- Lineage of the waste indicators (int_indicateurs__dechets), one line per organisation x
-- period x indicator x source row of its scope (columns as every int_<feed>__indicateur_lignes).
-- A row that does not count (exclusion_reason) is listed with 0 and the reason in its flags.
-- BES-6: registry lines shipped in the period (tonnes in the numerator) and in the same period
--        one year earlier (tonnes in the denominator). Value = numerator.
-- BES-7: auctions and second-hand purchases of the period, EUR gained in the numerator.
-- IMP-4: road-work sites finished in the period, tonnes of aggregates saved in the numerator.
with periods as (
    select * from {{ ref('int_periodes') }}
),

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

waste_lines as (
    select
        p.org_id,
        p.period_type,
        p.period,
        'BES-6' as indicator_id,
        r.ligne_key as record_key,
        'tonnes expédiées dans la période' as measure,
        'tonnes' as unit,
        false as in_denominator,
        r.exclusion_reason is null as in_numerator,
        case when r.exclusion_reason is null then coalesce(r.poids_t, 0) else 0 end as numerator_value,
        0 as denominator_value,
        r.date_expedition,
        r.code_dechet,
        r.exclusion_reason,
        r._source_file,
        r._source_row
    from periods as p
    inner join registre as r
        on
            p.org_id = r.org_id
            and r.date_expedition between p.period_start and p.period_end
    union all
    select
        p.org_id,
        p.period_type,
        p.period,
        'BES-6' as indicator_id,
        r.ligne_key as record_key,
        'tonnes expédiées dans la même période un an plus tôt' as measure,
        'tonnes' as unit,
        r.exclusion_reason is null as in_denominator,
        false as in_numerator,
        0 as numerator_value,
        case when r.exclusion_reason is null then coalesce(r.poids_t, 0) else 0 end as denominator_value,
        r.date_expedition,
        r.code_dechet,
        r.exclusion_reason,
        r._source_file,
        r._source_row
    from periods as p
    inner join registre as r
        on
            p.org_id = r.org_id
            and r.date_expedition
            between cast(p.period_start - interval '1 year' as date) and cast(p.period_end - interval '1 year' as date)
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    record_key,
    measure,
    unit,
    in_denominator,
    in_numerator,
    numerator_value,
    denominator_value,
    numerator_value as value_contribution,
    {{ line_flags([
        ('date_expedition', 'date_expedition'),
        ('code_dechet', 'code_dechet'),
        ('exclusion', "coalesce(exclusion_reason, 'aucune')"),
    ]) }} as flags,
    _source_file as source_file,
    _source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from waste_lines
union all
select
    p.org_id,
    p.period_type,
    p.period,
    'BES-7' as indicator_id,
    o.reference as record_key,
    'gain d''une vente aux enchères ou d''un achat de seconde main' as measure,
    'EUR' as unit,
    false as in_denominator,
    o.exclusion_reason is null as in_numerator,
    case when o.exclusion_reason is null then coalesce(o.gain_eur, 0) else 0 end as numerator_value,
    cast(null as double precision) as denominator_value,
    case when o.exclusion_reason is null then coalesce(o.gain_eur, 0) else 0 end as value_contribution,
    {{ line_flags([
        ('type_operation', 'o.type_operation'),
        ('date_operation', 'o.date_operation'),
        ('montant_eur', 'o.montant_eur', 'number'),
        ('prix_neuf_estime_eur', 'o.prix_neuf_estime_eur', 'number'),
        ('exclusion', "coalesce(o.exclusion_reason, 'aucune')"),
    ]) }} as flags,
    o._source_file as source_file,
    o._source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from periods as p
inner join reemploi as o
    on
        p.org_id = o.org_id
        and o.date_operation between p.period_start and p.period_end
union all
select
    p.org_id,
    p.period_type,
    p.period,
    'IMP-4' as indicator_id,
    g.chantier_id as record_key,
    'granulats neufs économisés par un chantier terminé' as measure,
    'tonnes' as unit,
    false as in_denominator,
    g.exclusion_reason is null as in_numerator,
    case when g.exclusion_reason is null then coalesce(g.granulats_economises_t, 0) else 0 end as numerator_value,
    cast(null as double precision) as denominator_value,
    case when g.exclusion_reason is null then coalesce(g.granulats_economises_t, 0) else 0 end as value_contribution,
    {{ line_flags([
        ('date_fin', 'g.date_fin'),
        ('methode', 'g.methode_economie'),
        ('tonnage_recycle_ou_reemploye_t', 'g.tonnage_recycle_ou_reemploye_t', 'number'),
        ('tonnage_granulats_neufs_evites_t', 'g.tonnage_granulats_neufs_evites_t', 'number'),
        ('exclusion', "coalesce(g.exclusion_reason, 'aucune')"),
    ]) }} as flags,
    g._source_file as source_file,
    g._source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from periods as p
inner join granulats as g
    on
        p.org_id = g.org_id
        and g.date_fin between p.period_start and p.period_end

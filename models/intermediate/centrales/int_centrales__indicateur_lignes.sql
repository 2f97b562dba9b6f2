-- Lineage of the centrales d'achat indicators (int_indicateurs__centrales), one line per
-- organisation x period x indicator x purchase line whose reported period lies within the
-- period (columns as every int_<feed>__indicateur_lignes). Unknown inputs count as 0 and
-- leave the denominator, as in the indicators.
-- MOB-1: insertion hours reported on the line (numerator). Value = numerator.
-- MOB-2: EUR HT of the line in the denominator when its environmental consideration is known,
--        in the numerator when it has one.
-- NAT-5: lines in an AGEC art. 58 category: EUR HT in the denominator when the re-used /
--        recycled figure is known and coherent, that figure (EUR HT) in the numerator.
with periods as (
    select * from {{ ref('int_periodes') }}
),

purchases as (
    select
        p.org_id,
        p.period_type,
        p.period,
        l.centrale || '|' || coalesce(l.reference_ligne, l._source_file || ':' || cast(l._source_row as varchar))
            as record_key,
        l.montant_ht,
        l.heures_insertion,
        l.consideration_environnementale,
        l.type_produit_agec58,
        l.montant_circulaire_ht,
        {{ line_flags([
            ('centrale', 'l.centrale'),
            ('periode', 'l.periode_source'),
            ('montant_ht', 'l.montant_ht', 'number'),
        ]) }} as base_flags,
        l._source_file as source_file,
        l._source_row as source_row
    from periods as p
    inner join {{ ref('fct_centrales_achats') }} as l
        on
            p.org_id = l.org_id
            and p.period_start <= l.periode_debut
            and p.period_end >= l.periode_fin
)

select
    org_id,
    period_type,
    period,
    'MOB-1' as indicator_id,
    record_key,
    'heures d''insertion déclarées par la centrale' as measure,
    'heures' as unit,
    false as in_denominator,
    heures_insertion is not null as in_numerator,
    coalesce(heures_insertion, 0) as numerator_value,
    cast(null as double precision) as denominator_value,
    coalesce(heures_insertion, 0) as value_contribution,
    base_flags || '; ' || {{ line_flags([('heures_insertion', 'heures_insertion', 'number')]) }} as flags,
    source_file,
    source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from purchases
union all
select
    org_id,
    period_type,
    period,
    'MOB-2' as indicator_id,
    record_key,
    'montant de la ligne d''achat' as measure,
    'EUR HT' as unit,
    consideration_environnementale is not null as in_denominator,
    coalesce(consideration_environnementale, false) as in_numerator,
    case when consideration_environnementale then coalesce(montant_ht, 0) else 0 end as numerator_value,
    case when consideration_environnementale is not null then coalesce(montant_ht, 0) else 0 end
        as denominator_value,
    cast(null as double precision) as value_contribution,
    base_flags || '; '
    || {{ line_flags([('consideration_environnementale', 'consideration_environnementale')]) }} as flags,
    source_file,
    source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from purchases
union all
select
    org_id,
    period_type,
    period,
    'NAT-5' as indicator_id,
    record_key,
    'montant de la ligne d''achat AGEC art. 58' as measure,
    'EUR HT' as unit,
    montant_circulaire_ht is not null as in_denominator,
    montant_circulaire_ht is not null as in_numerator,
    coalesce(montant_circulaire_ht, 0) as numerator_value,
    case when montant_circulaire_ht is not null then coalesce(montant_ht, 0) else 0 end as denominator_value,
    cast(null as double precision) as value_contribution,
    base_flags || '; ' || {{ line_flags([
        ('type_produit_agec58', 'type_produit_agec58'),
        ('montant_circulaire_ht', 'montant_circulaire_ht', 'number'),
    ]) }} as flags,
    source_file,
    source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from purchases
where type_produit_agec58 is not null

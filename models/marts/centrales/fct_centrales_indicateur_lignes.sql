-- Lineage of the centrales d'achat indicators (fct_centrales_indicateurs), one line per
-- organisation x period x indicator x purchase line whose reported period lies within the
-- period (columns as every fct_<feed>_indicateur_lignes). Unknown inputs count as 0 and
-- leave the denominator, as in the indicators.
-- MOB-1: insertion hours reported on the line (numerator). Value = numerator.
-- MOB-2: EUR HT of the line in the denominator when its environmental consideration is known,
--        in the numerator when it has one.
-- NAT-5: lines in an AGEC art. 58 category: EUR HT in the denominator when the re-used /
--        recycled figure is known and coherent, that figure (EUR HT) in the numerator.
with periods as (select * from {{ ref('int_periodes') }}),

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


{{ indicator_line(
    "'MOB-1'", 'record_key', "'heures d''insertion déclarées par la centrale'", "'heures'",
    in_denominator='false', in_numerator='heures_insertion is not null',
    numerator_value='coalesce(heures_insertion, 0)', value_contribution='coalesce(heures_insertion, 0)',
    flags="base_flags || '; ' || " ~ line_flags([('heures_insertion', 'heures_insertion', 'number')]),
) }}
from purchases
union all
{{ indicator_line(
    "'MOB-2'", 'record_key', "'montant de la ligne d''achat'", "'EUR HT'",
    in_denominator='consideration_environnementale is not null',
    in_numerator='coalesce(consideration_environnementale, false)',
    numerator_value='case when consideration_environnementale then coalesce(montant_ht, 0) else 0 end',
    denominator_value='case when consideration_environnementale is not null then coalesce(montant_ht, 0) else 0 end',
    flags="base_flags || '; ' || " ~ line_flags([('consideration_environnementale', 'consideration_environnementale')]),
) }}
from purchases
union all
{{ indicator_line(
    "'NAT-5'", 'record_key', "'montant de la ligne d''achat AGEC art. 58'", "'EUR HT'",
    in_denominator='montant_circulaire_ht is not null', in_numerator='montant_circulaire_ht is not null',
    numerator_value='coalesce(montant_circulaire_ht, 0)',
    denominator_value='case when montant_circulaire_ht is not null then coalesce(montant_ht, 0) else 0 end',
    flags="base_flags || '; ' || " ~ line_flags([
        ('type_produit_agec58', 'type_produit_agec58'),
        ('montant_circulaire_ht', 'montant_circulaire_ht', 'number'),
    ]),
) }}
from purchases
where type_produit_agec58 is not null

-- Lineage of the catering indicators (int_indicateurs__restauration), one line per
-- organisation x period x indicator x source row of its scope (columns as every
-- int_<feed>__indicateur_lignes), where the indicators are defined (int_indicateurs__restauration
-- adds them up). The reference year (restauration_reference_years()): a calendar year uses
-- its own figures, a semester the most recent year declared among its year and the years before
-- it admitted by restauration_recul_max_annees.
-- NAT-3 / NAT-4: the EGALim bilans (EUR HT) of the reference year: total food purchases in the
--        denominator, sustainable-and-quality (NAT-3) or organic (NAT-4) purchases in the
--        numerator, for the coherent bilans; incoherent ones are listed with 0.
-- IMP-9: the "Ici je mange local" label lines of the reference year (1 in the value for an
--        establishment of the organisation, 1 in the numerator for a collège; a line naming
--        an establishment outside the list is listed with 0) and the collèges of the
--        organisation's list (1 in the denominator). Value = sum of value_contribution.
with years as (
    {{ restauration_reference_years() }}
),

egalim as (
    select * from {{ ref('fct_restauration_egalim') }}
),

labels as (
    select * from {{ ref('fct_restauration_label_local') }}
),

colleges as (
    select * from {{ ref('dim_restauration_etablissements') }}
    where est_college
),

bilans as (
    select
        y.org_id,
        y.period_type,
        y.period,
        g.siret as record_key,
        g.is_bilan_coherent,
        g.valeur_totale_ht,
        g.valeur_durable_qualite_ht,
        g.valeur_bio_ht,
        {{ line_flags([
            ('annee', 'g.annee'),
            ('etablissement', 'g.nom'),
            ('valeur_totale_ht', 'g.valeur_totale_ht', 'number'),
            ('valeur_durable_qualite_ht', 'g.valeur_durable_qualite_ht', 'number'),
            ('valeur_bio_ht', 'g.valeur_bio_ht', 'number'),
            ('bilan_coherent', 'g.is_bilan_coherent'),
        ]) }} as flags,
        g._source_file as source_file,
        g._source_row as source_row
    from years as y
    inner join egalim as g
        on
            y.org_id = g.org_id
            and y.annee_reference = g.annee
            and g.has_bilan_montants
)

select
    org_id,
    period_type,
    period,
    'NAT-3' as indicator_id,
    record_key,
    'bilan EGALim de l''établissement' as measure,
    'EUR HT' as unit,
    is_bilan_coherent as in_denominator,
    is_bilan_coherent as in_numerator,
    case when is_bilan_coherent then valeur_durable_qualite_ht else 0 end as numerator_value,
    case when is_bilan_coherent then valeur_totale_ht else 0 end as denominator_value,
    cast(null as double precision) as value_contribution,
    flags,
    source_file,
    source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from bilans
union all
select
    org_id,
    period_type,
    period,
    'NAT-4' as indicator_id,
    record_key,
    'bilan EGALim de l''établissement' as measure,
    'EUR HT' as unit,
    is_bilan_coherent as in_denominator,
    is_bilan_coherent as in_numerator,
    case when is_bilan_coherent then valeur_bio_ht else 0 end as numerator_value,
    case when is_bilan_coherent then valeur_totale_ht else 0 end as denominator_value,
    cast(null as double precision) as value_contribution,
    flags,
    source_file,
    source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from bilans
union all
select
    y.org_id,
    y.period_type,
    y.period,
    'IMP-9' as indicator_id,
    l.siret as record_key,
    'établissement labellisé' as measure,
    'établissement' as unit,
    false as in_denominator,
    l.est_etablissement_org and l.est_college as in_numerator,
    case when l.est_etablissement_org and l.est_college then 1.0 else 0.0 end as numerator_value,
    0 as denominator_value,
    case when l.est_etablissement_org then 1.0 else 0.0 end as value_contribution,
    {{ line_flags([
        ('annee', 'l.annee'),
        ('etablissement', 'l.nom'),
        ('niveau_label', 'l.niveau_label'),
        ('etablissement_du_departement', 'l.est_etablissement_org'),
        ('college', 'l.est_college'),
    ]) }} as flags,
    l._source_file as source_file,
    l._source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from years as y
inner join labels as l
    on
        y.org_id = l.org_id
        and y.annee_label = l.annee
union all
select
    y.org_id,
    y.period_type,
    y.period,
    'IMP-9' as indicator_id,
    c.siret as record_key,
    'collège de la liste des établissements' as measure,
    'établissement' as unit,
    true as in_denominator,
    false as in_numerator,
    0 as numerator_value,
    1.0 as denominator_value,
    0 as value_contribution,
    {{ line_flags([
        ('etablissement', 'c.nom'),
        ('type_etablissement', 'c.type_etablissement'),
    ]) }} as flags,
    c._source_file as source_file,
    c._source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from years as y
inner join colleges as c on y.org_id = c.org_id

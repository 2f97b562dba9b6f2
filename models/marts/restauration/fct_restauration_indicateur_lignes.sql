-- Lineage of the catering indicators (fct_restauration_indicateurs), one line per
-- organisation x period x indicator x source row of its scope (columns as every
-- fct_<feed>_indicateur_lignes), where the indicators are defined (fct_restauration_indicateurs
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

egalim as (select * from {{ ref('fct_restauration_egalim') }}),

labels as (select * from {{ ref('fct_restauration_label_local') }}),

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


{%- for id, numerator in [('NAT-3', 'valeur_durable_qualite_ht'), ('NAT-4', 'valeur_bio_ht')] %}
    {{ indicator_line(
        "'" ~ id ~ "'", 'record_key', "'bilan EGALim de l''établissement'", "'EUR HT'",
        in_denominator='is_bilan_coherent', in_numerator='is_bilan_coherent',
        numerator_value='case when is_bilan_coherent then ' ~ numerator ~ ' else 0 end',
        denominator_value='case when is_bilan_coherent then valeur_totale_ht else 0 end',
    ) }}
    from bilans
    union all
{%- endfor %}
{{ indicator_line(
    "'IMP-9'", 'l.siret', "'établissement labellisé'", "'établissement'", periods='y',
    in_denominator='false', in_numerator='l.est_etablissement_org and l.est_college',
    numerator_value='case when l.est_etablissement_org and l.est_college then 1.0 else 0.0 end',
    denominator_value='0', value_contribution='case when l.est_etablissement_org then 1.0 else 0.0 end',
    flags=line_flags([
        ('annee', 'l.annee'),
        ('etablissement', 'l.nom'),
        ('niveau_label', 'l.niveau_label'),
        ('etablissement_du_departement', 'l.est_etablissement_org'),
        ('college', 'l.est_college'),
    ]),
    sources=('l._source_file', 'l._source_row'),
) }}
from years as y
inner join labels as l
    on
        y.org_id = l.org_id
        and y.annee_label = l.annee
union all
{{ indicator_line(
    "'IMP-9'", 'c.siret', "'collège de la liste des établissements'", "'établissement'", periods='y',
    in_denominator='true', in_numerator='false', numerator_value='0', denominator_value='1.0',
    value_contribution='0',
    flags=line_flags([('etablissement', 'c.nom'), ('type_etablissement', 'c.type_etablissement')]),
    sources=('c._source_file', 'c._source_row'),
) }}
from years as y
inner join colleges as c on y.org_id = c.org_id

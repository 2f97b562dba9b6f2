-- SPASER indicators of the catering feed, one row per organisation x period x indicator.
--
-- EGALim bilans and the "Ici je mange local" label are yearly. A calendar year uses the
-- figures of that year only. A semester uses the most recent year declared among its own
-- year and the years before it admitted by the parameter restauration_recul_max_annees (1: the
-- year of the semester, else the previous one): the semester shows that year's figures as
-- they were declared, never figures split or made up for the semester.
--
-- NAT-3: EUR HT of sustainable and quality purchases (EGALim, bio included) / EUR HT of food
--        purchases, over the coherent bilans of the organisation's establishments, in %.
-- NAT-4: EUR HT of organic purchases / EUR HT of food purchases, same scope, in %.
-- IMP-9: value = establishments of the organisation labelled (collèges and others);
--        numerator = labelled collèges; denominator = collèges of the organisation's list.
{%- set no_list = "'liste des établissements de restauration du Département absente (restauration/etablissements)'" %}
{%- set ratios_only = "'seules les parts télédéclarées (open data ma-cantine) sont connues pour les établissements "
    ~ "du Département: les montants en euros HT des bilans EGALim sont nécessaires'" %}
{%- set incoherent = "'bilans EGALim de l''année de référence tous incohérents "
    ~ "(parts EGALim supérieures au total ou total nul)'" %}

with periods as (
    select
        per.org_id,
        per.period_type,
        per.period,
        per.year,
        case
            when per.period_type = 'semestre'
                then coalesce({{ param('per.org_id', 'restauration_recul_max_annees', 'integer') }}, 0)
            else 0
        end as recul
    from {{ ref('int_periodes') }} as per
),

etablissements as (
    select
        org_id,
        count(*) as n_etablissements,
        count(*) filter (where est_college) as n_colleges
    from {{ ref('dim_restauration_etablissements') }}
    group by org_id
),

egalim as (
    select * from {{ ref('fct_restauration_egalim') }}
),

labels as (
    select * from {{ ref('fct_restauration_label_local') }}
),

egalim_year as (
    select
        p.org_id,
        p.period_type,
        p.period,
        p.year,
        max(g.annee) filter (where g.has_bilan_montants) as annee_reference,
        count(g.siret) filter (where not g.has_bilan_montants) as n_ratios_only
    from periods as p
    left join egalim as g
        on
            p.org_id = g.org_id
            and g.annee between p.year - p.recul and p.year
    group by p.org_id, p.period_type, p.period, p.year
),

egalim_measures as (
    select
        y.org_id,
        y.period_type,
        y.period,
        y.year,
        y.annee_reference,
        y.n_ratios_only,
        count(*) filter (where g.is_bilan_coherent) as n_coherent,
        {{ exact_sum('g.valeur_totale_ht', 2, where="g.is_bilan_coherent") }} as total_ht,
        {{ exact_sum('g.valeur_durable_qualite_ht', 2, where="g.is_bilan_coherent") }} as durable_ht,
        {{ exact_sum('g.valeur_bio_ht', 2, where="g.is_bilan_coherent") }} as bio_ht
    from egalim_year as y
    left join egalim as g
        on
            y.org_id = g.org_id
            and y.annee_reference = g.annee
            and g.has_bilan_montants
    group by y.org_id, y.period_type, y.period, y.year, y.annee_reference, y.n_ratios_only
),

label_year as (
    select
        p.org_id,
        p.period_type,
        p.period,
        max(l.annee) as annee_label
    from periods as p
    left join labels as l
        on
            p.org_id = l.org_id
            and l.annee between p.year - p.recul and p.year
    group by p.org_id, p.period_type, p.period
),

label_measures as (
    select
        y.org_id,
        y.period_type,
        y.period,
        y.annee_label,
        count(*) filter (where l.est_etablissement_org) as n_labellises,
        count(*) filter (where l.est_etablissement_org and l.est_college) as n_colleges_labellises
    from label_year as y
    left join labels as l
        on
            y.org_id = l.org_id
            and y.annee_label = l.annee
    group by y.org_id, y.period_type, y.period, y.annee_label
),

egalim_reasons as (
    select
        m.*,
        case
            when e.org_id is null then {{ no_list }}
            when m.annee_reference is null and m.n_ratios_only > 0 then {{ ratios_only }}
            when m.annee_reference is null and m.period_type = 'semestre'
                then
                    'aucun bilan EGALim (euros HT) des établissements du Département pour l''année du semestre '
                    || 'ni les années antérieures admises'
            when m.annee_reference is null
                then 'aucun bilan EGALim (euros HT) des établissements du Département pour l''année'
            when m.n_coherent = 0 then {{ incoherent }}
        end as unavailable_reason
    from egalim_measures as m
    left join etablissements as e on m.org_id = e.org_id
),

measures as (
    select
        org_id,
        period_type,
        period,
        'NAT-3' as indicator_id,
        durable_ht as numerator,
        total_ht as denominator,
        {{ pct('durable_ht', 'total_ht') }} as computed_value,
        n_coherent as source_rows,
        unavailable_reason
    from egalim_reasons
    union all
    select
        org_id,
        period_type,
        period,
        'NAT-4' as indicator_id,
        bio_ht as numerator,
        total_ht as denominator,
        {{ pct('bio_ht', 'total_ht') }} as computed_value,
        n_coherent as source_rows,
        unavailable_reason
    from egalim_reasons
    union all
    select
        l.org_id,
        l.period_type,
        l.period,
        'IMP-9' as indicator_id,
        l.n_colleges_labellises as numerator,
        nullif(e.n_colleges, 0) as denominator,
        l.n_labellises as computed_value,
        l.n_labellises as source_rows,
        case
            when e.org_id is null then {{ no_list }}
            when l.annee_label is null and l.period_type = 'semestre'
                then
                    'liste des établissements labellisés « Ici je mange local » non reçue pour l''année du semestre '
                    || 'ni les années antérieures admises'
            when l.annee_label is null
                then 'liste des établissements labellisés « Ici je mange local » non reçue pour l''année'
        end as unavailable_reason
    from label_measures as l
    left join etablissements as e on l.org_id = e.org_id
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    case when unavailable_reason is null then numerator end as numerator,
    case when unavailable_reason is null then denominator end as denominator,
    case when unavailable_reason is null then cast(computed_value as double precision) end as value,
    unavailable_reason is null as is_available,
    unavailable_reason,
    case when unavailable_reason is null then source_rows else 0 end as source_rows
from measures

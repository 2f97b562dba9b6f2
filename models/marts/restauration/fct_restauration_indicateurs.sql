-- SPASER indicators of the catering feed, one row per organisation x period x indicator: the
-- aggregation of their lines (fct_restauration_indicateur_lignes, where each is defined).
--
-- EGALim bilans and the "Ici je mange local" label are yearly. A calendar year uses the
-- figures of that year only. A semester uses the most recent year declared among its own
-- year and the years before it admitted by the parameter restauration_recul_max_annees (1: the
-- year of the semester, else the previous one): the semester shows that year's figures as
-- they were declared, never figures split or made up for the semester
-- (restauration_reference_years(), shared with the lines).
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

with lines as (select * from {{ ref('fct_restauration_indicateur_lignes') }}),

-- why a period may have no figure: the reference years and whether the list of
-- establishments was received
context as (
    select
        y.*,
        exists(
            select 1 from {{ ref('dim_restauration_etablissements') }} as e
            where e.org_id = y.org_id
        ) as has_list
    from ({{ restauration_reference_years() }}) as y
)

{%- set egalim_reasons = "
    when not x.has_list then " ~ no_list ~ "
    when x.annee_reference is null and x.n_ratios_only > 0 then " ~ ratios_only ~ "
    when x.annee_reference is null and x.period_type = 'semestre'
        then 'aucun bilan EGALim (euros HT) des établissements du Département pour l''année du semestre '
        || 'ni les années antérieures admises'
    when x.annee_reference is null
        then 'aucun bilan EGALim (euros HT) des établissements du Département pour l''année'
    when j.n_in_denominator = 0 then " ~ incoherent %}
{#- a value that is not available counts no source row -#}
{%- set egalim_rows = "case when x.has_list and j.n_in_denominator > 0 then j.n_in_denominator else 0 end" %}

{{ indicators_from_lines(
    'lines',
    context='context',
    sum_digits={'NAT-3': 2, 'NAT-4': 2, 'IMP-9': 6},
    source_rows={
        'NAT-3': egalim_rows,
        'NAT-4': egalim_rows,
        'IMP-9': 'case when x.has_list and x.annee_label is not null then cast(j.value_sum as bigint) else 0 end',
    },
    reasons={
        'NAT-3': egalim_reasons,
        'NAT-4': egalim_reasons,
        'IMP-9': "
            when not x.has_list then " ~ no_list ~ "
            when x.annee_label is null and x.period_type = 'semestre'
                then 'liste des établissements labellisés « Ici je mange local » non reçue pour l''année du semestre '
                || 'ni les années antérieures admises'
            when x.annee_label is null
                then 'liste des établissements labellisés « Ici je mange local » non reçue pour l''année'",
    }
) }}

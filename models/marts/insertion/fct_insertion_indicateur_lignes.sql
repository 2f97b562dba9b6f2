-- Lineage of the insertion indicators (fct_insertion_indicateurs), one line per organisation
-- x period x indicator x source row of its scope (columns as every fct_<feed>_indicateur_lignes).
-- A row that does not count (exclusion_reason) is listed with 0 and the reason in its flags.
-- IMP-13: hours lines of the months of the period, hours in the numerator.
-- DEP-1:  hours lines from the month of insertion_cumul_debut to the end of the period.
-- BES-8:  pathways ended in the period; 1 in the denominator when the exit is known and counts
--         in the rate, 1 in the numerator when it is also positive.
with periods as (
    select
        per.*,
        cast(date_trunc('month', {{ param('per.org_id', 'insertion_cumul_debut', 'date') }}) as date)
            as cumul_debut_mois
    from {{ ref('int_periodes') }} as per
),

hours as (
    select * from {{ ref('fct_insertion_heures') }}
    where org_id is not null
),

pathways as (
    select * from {{ ref('fct_insertion_parcours') }}
    where org_id is not null
),

-- IMP-13 counts the hours of the months of the period, DEP-1 those since the start of the cumul
{%- set hours_scopes = [
    ('IMP-13', "heures d''insertion du mois", 'h.mois between p.period_start and p.period_end'),
    ('DEP-1', "heures d''insertion du mois, cumulées depuis la date de départ",
        'p.cumul_debut_mois <= h.mois and p.period_end >= h.mois'),
] %}
hours_lines as (
    {%- for id, measure, within in hours_scopes %}
        select
            p.org_id,
            p.period_type,
            p.period,
            '{{ id }}' as indicator_id,
            '{{ measure }}' as measure,
            h.contrat_key,
            h.siret_titulaire,
            h.mois,
            h.heures_realisees,
            h.marche_connu,
            h.exclusion_reason,
            h._source_file,
            h._source_row
        from periods as p
        inner join hours as h on p.org_id = h.org_id and {{ within }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

{{ indicator_line(
    'indicator_id', "contrat_key || '|' || coalesce(siret_titulaire, '') || '|' || cast(mois as varchar)", 'measure',
    "'heures'", in_scope='exclusion_reason is null',
    in_denominator='false', in_numerator='exclusion_reason is null',
    numerator_value='case when exclusion_reason is null then coalesce(heures_realisees, 0) else 0 end',
    value_contribution='case when exclusion_reason is null then coalesce(heures_realisees, 0) else 0 end',
    flags=line_flags([
        ('mois', 'mois'),
        ('heures_realisees', 'heures_realisees', 'number'),
        ('marche_connu', 'marche_connu'),
        ('exclusion', "coalesce(exclusion_reason, 'aucune')"),
    ]),
    sources=('_source_file', '_source_row'),
) }}
from hours_lines
union all
{%- set counted = "x.exclusion_reason is null and x.statut_parcours = 'terminé' and x.compte_dans_taux" %}
{{ indicator_line(
    "'BES-8'", 'x.id_parcours', "'parcours terminé dans la période'", "'parcours'", periods='p',
    in_scope='x.exclusion_reason is null',
    in_denominator='coalesce(' ~ counted ~ ', false)',
    in_numerator='coalesce(' ~ counted ~ ' and x.est_positive, false)',
    numerator_value='case when ' ~ counted ~ ' and x.est_positive then 1.0 else 0.0 end',
    denominator_value='case when ' ~ counted ~ ' then 1.0 else 0.0 end',
    flags=line_flags([
        ('date_sortie', 'x.date_sortie'),
        ('type_sortie', 'x.type_sortie'),
        ('categorie_sortie', 'x.categorie_sortie'),
        ('statut', 'x.statut_parcours'),
        ('exclusion', "coalesce(x.exclusion_reason, 'aucune')"),
    ]),
    sources=('x._source_file', 'x._source_row'),
) }}
from periods as p
inner join pathways as x
    on
        p.org_id = x.org_id
        and x.date_sortie between p.period_start and p.period_end

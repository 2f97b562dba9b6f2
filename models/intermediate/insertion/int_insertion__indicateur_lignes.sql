-- Lineage of the insertion indicators (int_indicateurs__insertion), one line per organisation
-- x period x indicator x source row of its scope (columns as every int_<feed>__indicateur_lignes).
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

hours_lines as (
    select
        p.org_id,
        p.period_type,
        p.period,
        'IMP-13' as indicator_id,
        'heures d''insertion du mois' as measure,
        h.contrat_key,
        h.siret_titulaire,
        h.mois,
        h.heures_realisees,
        h.marche_connu,
        h.exclusion_reason,
        h._source_file,
        h._source_row
    from periods as p
    inner join hours as h
        on
            p.org_id = h.org_id
            and h.mois between p.period_start and p.period_end
    union all
    select
        p.org_id,
        p.period_type,
        p.period,
        'DEP-1' as indicator_id,
        'heures d''insertion du mois, cumulées depuis la date de départ' as measure,
        h.contrat_key,
        h.siret_titulaire,
        h.mois,
        h.heures_realisees,
        h.marche_connu,
        h.exclusion_reason,
        h._source_file,
        h._source_row
    from periods as p
    inner join hours as h
        on
            p.org_id = h.org_id
            and p.cumul_debut_mois <= h.mois
            and p.period_end >= h.mois
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    contrat_key || '|' || coalesce(siret_titulaire, '') || '|' || cast(mois as varchar) as record_key,
    measure,
    'heures' as unit,
    exclusion_reason is null as in_scope,
    false as in_denominator,
    exclusion_reason is null as in_numerator,
    case when exclusion_reason is null then coalesce(heures_realisees, 0) else 0 end as numerator_value,
    cast(null as double precision) as denominator_value,
    case when exclusion_reason is null then coalesce(heures_realisees, 0) else 0 end as value_contribution,
    {{ line_flags([
        ('mois', 'mois'),
        ('heures_realisees', 'heures_realisees', 'number'),
        ('marche_connu', 'marche_connu'),
        ('exclusion', "coalesce(exclusion_reason, 'aucune')"),
    ]) }} as flags,
    _source_file as source_file,
    _source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from hours_lines
union all
select
    p.org_id,
    p.period_type,
    p.period,
    'BES-8' as indicator_id,
    x.id_parcours as record_key,
    'parcours terminé dans la période' as measure,
    'parcours' as unit,
    x.exclusion_reason is null as in_scope,
    coalesce(x.exclusion_reason is null and x.statut_parcours = 'terminé' and x.compte_dans_taux, false)
        as in_denominator,
    coalesce(
        x.exclusion_reason is null and x.statut_parcours = 'terminé' and x.compte_dans_taux and x.est_positive, false
    ) as in_numerator,
    case
        when x.exclusion_reason is null and x.statut_parcours = 'terminé' and x.compte_dans_taux and x.est_positive
            then 1.0
        else 0.0
    end as numerator_value,
    case
        when x.exclusion_reason is null and x.statut_parcours = 'terminé' and x.compte_dans_taux then 1.0
        else 0.0
    end as denominator_value,
    cast(null as double precision) as value_contribution,
    {{ line_flags([
        ('date_sortie', 'x.date_sortie'),
        ('type_sortie', 'x.type_sortie'),
        ('categorie_sortie', 'x.categorie_sortie'),
        ('statut', 'x.statut_parcours'),
        ('exclusion', "coalesce(x.exclusion_reason, 'aucune')"),
    ]) }} as flags,
    x._source_file as source_file,
    x._source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from periods as p
inner join pathways as x
    on
        p.org_id = x.org_id
        and x.date_sortie between p.period_start and p.period_end

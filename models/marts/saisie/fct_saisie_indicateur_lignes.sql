-- Lineage of the manual-input indicators (fct_saisie_indicateurs), one line per organisation
-- x period x indicator x spreadsheet line used (columns as every fct_<feed>_indicateur_lignes).
-- Same resolution as the indicators: the line entered for the period; for a year without its
-- own line, its two semester lines (agregation somme, both needed) or its second semester line
-- (agregation niveau).
-- GOV-1: instance technique meetings in the numerator; COPIL and instance technique meetings in
--        the value (value_contribution).
-- MOB-5: agents trained in the numerator and the value, agents concerned in the denominator.
-- Others (IMP-2, IMP-5, IMP-7, IMP-8, IMP-16): the field in the numerator and the value.
with periods as (
    select
        org_id,
        period_type,
        period,
        year
    from {{ ref('int_periodes') }}
),

champs as (select * from {{ ref('saisie_champs') }}),

valeurs as (
    select * from {{ ref('fct_saisie_valeurs') }}
    where valeur is not null
),

candidates as (
    select
        p.org_id,
        p.period_type,
        p.period,
        c.champ,
        c.indicator_id,
        c.agregation,
        c.unite,
        c.libelle,
        v.periode,
        v.valeur,
        v._source_file,
        v._source_row,
        v.periode = p.period as is_direct,
        v.periode = p.period || '-S2' as is_second_semestre,
        sum(case when v.periode = p.period then 1 else 0 end) over field_period as n_direct,
        sum(case when v.periode_type = 'semestre' and p.period_type = 'annee' then 1 else 0 end)
            over field_period as n_semestres
    from periods as p
    inner join valeurs as v
        on
            p.org_id = v.org_id
            and (
                p.period = v.periode
                or (p.period_type = 'annee' and v.periode_type = 'semestre' and p.year = v.annee)
            )
    inner join champs as c on v.champ = c.champ
    window field_period as (partition by p.org_id, p.period_type, p.period, c.champ)
),

used as (
    select * from candidates
    where
        is_direct
        or (n_direct = 0 and agregation = 'somme' and n_semestres = 2)
        or (n_direct = 0 and agregation = 'niveau' and is_second_semestre)
)

select
    org_id,
    period_type,
    period,
    indicator_id,
    champ || '|' || periode as record_key,
    coalesce(libelle, champ) as measure,
    unite as unit,
    champ = 'agents_concernes' as in_denominator,
    champ not in ('reunions_copil', 'agents_concernes') as in_numerator,
    case when champ in ('reunions_copil', 'agents_concernes') then 0 else valeur end as numerator_value,
    case
        when indicator_id = 'MOB-5' then case when champ = 'agents_concernes' then valeur else 0 end
    end as denominator_value,
    case when champ = 'agents_concernes' then 0 else valeur end as value_contribution,
    {{ line_flags([
        ('champ', 'champ'),
        ('periode', 'periode'),
        ('valeur', 'valeur', 'number'),
        ('agregation', 'agregation'),
    ]) }} as flags,
    _source_file as source_file,
    _source_row as source_row,
    cast(null as varchar) as secondary_source_file,
    cast(null as bigint) as secondary_source_row
from used

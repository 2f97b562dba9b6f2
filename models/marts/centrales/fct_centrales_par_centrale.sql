-- MOB-1 and MOB-2 per centrale: one row per organisation x period (semester and year) x
-- centrale that reported at least one line in the period. Same rules as the indicators
-- (fct_centrales_indicateurs): unknown inputs leave the totals, NULL when nothing is known.
with periods as (select * from {{ ref('int_periodes') }}),

lines as (
    select * from {{ ref('fct_centrales_achats') }}
    where org_id is not null
),

referentiel as (
    select
        centrale,
        {{ arg_max('nom_usuel', '_ingested_at') }} as nom_usuel
    from {{ ref('stg_centrales__referentiel') }}
    group by centrale
),

per_centrale as (
    select
        p.org_id,
        p.period_type,
        p.period,
        l.centrale,
        count(*) as lignes,
        {{ exact_sum('l.montant_ht') }} as montant_ht,
        count(l.heures_insertion) as lignes_heures_renseignees,
        {{ exact_sum('l.heures_insertion') }} as heures_insertion,
        {{ exact_sum('l.montant_ht', where="l.consideration_environnementale is not null") }} as montant_env_connu,
        coalesce({{ exact_sum('l.montant_ht', where="l.consideration_environnementale") }}, 0) as montant_env_oui
    from periods as p
    inner join lines as l
        on
            p.org_id = l.org_id
            and p.period_start <= l.periode_debut
            and p.period_end >= l.periode_fin
    group by p.org_id, p.period_type, p.period, l.centrale
)

select
    c.org_id,
    c.period_type,
    c.period,
    c.centrale,
    r.nom_usuel as centrale_nom,
    c.lignes,
    c.montant_ht,
    c.lignes_heures_renseignees,
    c.heures_insertion,
    c.montant_env_connu,
    case when c.montant_env_connu is not null then c.montant_env_oui end as montant_env_oui,
    case
        when c.montant_env_connu > 0 then {{ pct('c.montant_env_oui', 'c.montant_env_connu') }}
    end as part_env_pct
from per_centrale as c
left join referentiel as r on c.centrale = r.centrale

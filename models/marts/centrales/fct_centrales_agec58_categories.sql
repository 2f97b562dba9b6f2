-- NAT-5 per AGEC art. 58 product category: one row per organisation x period (semester and
-- year) x category bought through a centrale in the period. Shares of re-used / re-employed
-- and of recycled-content spend, compared with the legal minimum shares of the year
-- (seeds/centrales_agec58_minimums, décret n° 2024-134): the obligation is annual, semester
-- rows are indicative. respecte_minimum is NULL when a minimum is not configured or nothing is
-- known; montant_total_declare is the amount of the AGEC declaration filed for that year and
-- category, when one was received (reconciliation).
with periods as (select * from {{ ref('int_periodes') }}),

lines as (
    select * from {{ ref('fct_centrales_achats') }}
    where org_id is not null and type_produit_agec58 is not null
),

minimums as (select * from {{ ref('centrales_agec58_minimums') }}),

declarations as (
    select
        b.org_id,
        d.annee,
        d.type_produit_agec58,
        {{ exact_sum('d.montant_total') }} as montant_total_declare
    from {{ ref('stg_centrales__declarations_agec58') }} as d
    inner join {{ ref('organisation_acheteurs') }} as b on d.siret = b.acheteur_siret
    group by b.org_id, d.annee, d.type_produit_agec58
),

per_category as (
    select
        p.org_id,
        p.period_type,
        p.period,
        p.year,
        l.type_produit_agec58,
        count(*) as lignes,
        {{ exact_sum('l.montant_ht') }} as montant_ht,
        {{ exact_sum('l.montant_ht', where="l.montant_circulaire_ht is not null") }} as montant_renseigne_ht,
        {{ exact_sum('l.montant_reemploi_ht', where="l.montant_circulaire_ht is not null") }} as montant_reemploi_ht,
        {{ exact_sum('l.montant_recycle_ht', where="l.montant_circulaire_ht is not null") }} as montant_recycle_ht,
        {{ exact_sum('l.montant_circulaire_ht') }} as montant_circulaire_ht
    from periods as p
    inner join lines as l
        on
            p.org_id = l.org_id
            and p.period_start <= l.periode_debut
            and p.period_end >= l.periode_fin
    group by p.org_id, p.period_type, p.period, p.year, l.type_produit_agec58
),

shares as (
    select
        c.*,
        {{ share_pct('coalesce(c.montant_reemploi_ht, 0)', 'c.montant_renseigne_ht') }} as part_reemploi_pct,
        {{ share_pct('coalesce(c.montant_recycle_ht, 0)', 'c.montant_renseigne_ht') }} as part_recycle_pct,
        {{ share_pct('c.montant_circulaire_ht', 'c.montant_renseigne_ht') }} as part_circulaire_pct,
        (
            select {{ arg_max('m.part_min_reemploi_pct', 'm.annee_debut') }}
            from minimums as m
            where m.type_produit_agec58 = c.type_produit_agec58 and m.annee_debut <= c.year
        ) as part_min_reemploi_pct,
        (
            select {{ arg_max('m.part_min_recycle_pct', 'm.annee_debut') }}
            from minimums as m
            where m.type_produit_agec58 = c.type_produit_agec58 and m.annee_debut <= c.year
        ) as part_min_recycle_pct
    from per_category as c
)

select
    s.org_id,
    s.period_type,
    s.period,
    s.type_produit_agec58,
    s.lignes,
    s.montant_ht,
    s.montant_renseigne_ht,
    s.montant_reemploi_ht,
    s.montant_recycle_ht,
    s.montant_circulaire_ht,
    s.part_reemploi_pct,
    s.part_recycle_pct,
    s.part_circulaire_pct,
    s.part_min_reemploi_pct,
    s.part_min_recycle_pct,
    case
        when s.part_circulaire_pct is null or s.part_min_reemploi_pct is null or s.part_min_recycle_pct is null
            then null
        else s.part_reemploi_pct >= s.part_min_reemploi_pct and s.part_recycle_pct >= s.part_min_recycle_pct
    end as respecte_minimum,
    d.montant_total_declare
from shares as s
left join declarations as d
    on
        s.org_id = d.org_id
        and s.period_type = 'annee'
        and s.year = d.annee
        and s.type_produit_agec58 = d.type_produit_agec58

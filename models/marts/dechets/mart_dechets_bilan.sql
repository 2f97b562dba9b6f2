-- Waste report per organisation x period (semester and calendar year): tonnes produced and
-- their change against the same period one year earlier, hazardous tonnes, and the shares of
-- the tonnes with a known FINAL treatment that were reused, recycled, recovered or eliminated
-- (intermediate operations R12, R13, D9, D13, D14, D15 without a known final destination are
-- reported apart and stay out of the shares); aggregates saved; auction and second-hand gains.
-- The registry tonnes are those of BES-6's lines (fct_dechets_indicateur_lignes), broken down
-- by the hazard and treatment of each line's registry row: the report and the indicator count
-- the same lines.
with periods as (select * from {{ ref('int_periodes') }}),

lines as (
    select * from {{ ref('fct_dechets_indicateur_lignes') }}
    where indicator_id = 'BES-6'
),

-- the registry lines BES-6 counts in the period (its numerator lines: one definition of the
-- tonnes produced), with each line's hazard and treatment from the registry
shipped as (
    select
        l.org_id,
        l.period_type,
        l.period,
        l.record_key,
        l.numerator_value as poids_t,
        r.dangereux,
        r.statut_traitement,
        r.classe_traitement
    from lines as l
    inner join {{ ref('fct_dechets_enlevements') }} as r
        on l.org_id = r.org_id and l.record_key = r.ligne_key
    where l.in_numerator
),

waste as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(r.record_key) as lignes_registre,
        {{ exact_sum('r.poids_t', 3) }} as tonnes_produites,
        {{ exact_sum('r.poids_t', 3, where="r.dangereux") }} as tonnes_dangereuses,
        {{ exact_sum('r.poids_t', 3, where="r.statut_traitement = 'final'") }}
            as tonnes_traitement_final_connu,
        {{ exact_sum('r.poids_t', 3, where="r.classe_traitement = 'reemploi'") }} as tonnes_reemploi,
        {{ exact_sum('r.poids_t', 3, where="r.classe_traitement = 'recyclage'") }} as tonnes_recyclage,
        {{ exact_sum('r.poids_t', 3, where="r.classe_traitement = 'valorisation'") }} as tonnes_valorisation,
        {{ exact_sum('r.poids_t', 3, where="r.classe_traitement = 'elimination'") }} as tonnes_elimination,
        {{ exact_sum(
            'r.poids_t',
            3,
            where="r.statut_traitement = 'intermédiaire sans destination finale connue'"
        ) }} as tonnes_intermediaires_sans_final,
        {{ exact_sum(
            'r.poids_t',
            3,
            where="r.statut_traitement in ('opération non renseignée', 'code inconnu')"
        ) }} as tonnes_operation_inconnue
    from periods as p
    left join shipped as r
        on p.org_id = r.org_id and p.period_type = r.period_type and p.period = r.period
    group by p.org_id, p.period_type, p.period
),

-- the tonnes of the same period one year earlier: BES-6's denominator lines, so that the
-- report and the indicator share one definition (NULL when no line is known)
waste_year_before as (
    select
        p.org_id,
        p.period_type,
        p.period,
        {{ exact_sum('l.denominator_value', 3) }} as tonnes
    from periods as p
    left join lines as l
        on
            p.org_id = l.org_id
            and p.period_type = l.period_type
            and p.period = l.period
            and l.in_denominator
    group by p.org_id, p.period_type, p.period
),

sites as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(g.chantier_id) filter (where g.exclusion_reason is null) as chantiers,
        {{ exact_sum('g.granulats_economises_t', 3, where="g.exclusion_reason is null") }}
            as granulats_economises_t,
        {{ exact_sum('g.tonnage_total_t', 3, where="g.exclusion_reason is null") }} as tonnage_materiaux_t,
        {{ exact_sum('g.tonnage_recycle_ou_reemploye_t', 3, where="g.exclusion_reason is null") }}
            as tonnage_recycle_ou_reemploye_t
    from periods as p
    left join {{ ref('fct_dechets_granulats') }} as g
        on
            p.org_id = g.org_id
            and g.date_fin between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

resale as (
    select
        p.org_id,
        p.period_type,
        p.period,
        {{ exact_sum(
            'o.gain_eur',
            2,
            where="o.exclusion_reason is null and o.type_operation = 'vente_encheres'"
        ) }} as gain_encheres_eur,
        {{ exact_sum(
            'o.gain_eur',
            2,
            where="o.exclusion_reason is null and o.type_operation = 'achat_seconde_main'"
        ) }} as gain_seconde_main_eur,
        {{ exact_sum('o.tonnes_evitees_t', 3, where="o.type_operation is not null") }} as tonnes_evitees_t
    from periods as p
    left join {{ ref('fct_dechets_reemploi') }} as o
        on
            p.org_id = o.org_id
            and o.date_operation between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
)

select
    w.org_id,
    w.period_type,
    w.period,
    w.lignes_registre,
    w.tonnes_produites,
    b.tonnes as tonnes_meme_periode_annee_precedente,
    case
        when b.tonnes > 0 and w.tonnes_produites is not null
            then {{ pct('w.tonnes_produites - b.tonnes', 'b.tonnes') }}
    end as variation_annee_precedente_pct,
    w.tonnes_dangereuses,
    w.tonnes_traitement_final_connu,
    w.tonnes_reemploi,
    w.tonnes_recyclage,
    w.tonnes_valorisation,
    w.tonnes_elimination,
    {{ share_pct('coalesce(w.tonnes_reemploi, 0)', 'w.tonnes_traitement_final_connu') }} as part_reemploi_pct,
    {{ share_pct('coalesce(w.tonnes_recyclage, 0)', 'w.tonnes_traitement_final_connu') }} as part_recyclage_pct,
    {{ share_pct('coalesce(w.tonnes_valorisation, 0)', 'w.tonnes_traitement_final_connu') }} as part_valorisation_pct,
    {{ share_pct('coalesce(w.tonnes_elimination, 0)', 'w.tonnes_traitement_final_connu') }} as part_elimination_pct,
    w.tonnes_intermediaires_sans_final,
    w.tonnes_operation_inconnue,
    s.chantiers,
    s.granulats_economises_t,
    {{ share_pct('s.tonnage_recycle_ou_reemploye_t', 's.tonnage_materiaux_t') }}
        as part_materiaux_recycles_chantiers_pct,
    r.gain_encheres_eur,
    r.gain_seconde_main_eur,
    case
        when r.gain_encheres_eur is not null or r.gain_seconde_main_eur is not null
            then coalesce(r.gain_encheres_eur, 0) + coalesce(r.gain_seconde_main_eur, 0)
    end as gain_total_eur,
    r.tonnes_evitees_t
from waste as w
inner join waste_year_before as b
    on w.org_id = b.org_id and w.period_type = b.period_type and w.period = b.period
inner join sites as s
    on w.org_id = s.org_id and w.period_type = s.period_type and w.period = s.period
inner join resale as r
    on w.org_id = r.org_id and w.period_type = r.period_type and w.period = r.period

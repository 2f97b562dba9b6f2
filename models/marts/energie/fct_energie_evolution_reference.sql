-- IMP-6 detail per organisation and period (semester, calendar year): final energy of the
-- site x months that have a reference, against the reference of the same sites and months,
-- without and with climate correction. The corrected figures need the DJU of every compared
-- month (and of its reference month) that is corrected; otherwise they are null.
with periods as (select * from {{ ref('int_periodes') }}),

compared as (select * from {{ ref('fct_energie_comparaison_reference') }}),

aggregated as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(c.code_site) as sites_mois_consommes,
        count(*) filter (where c.has_reference) as sites_mois_compares,
        count(distinct c.code_site) filter (where c.has_reference) as sites_compares,
        {{ exact_sum('c.kwh_pci', where="not c.has_reference") }} as kwh_hors_reference,
        {{ exact_sum('c.kwh_pci', where="c.has_reference") }} as kwh_periode,
        {{ exact_sum('c.kwh_reference', where="c.has_reference") }} as kwh_reference,
        {{ exact_sum('c.kwh_pci_corrige', where="c.has_reference") }} as kwh_periode_corrige_partiel,
        count(*) filter (where c.has_reference and c.kwh_pci_corrige is null) as sites_mois_sans_dju
    from periods as p
    left join compared as c
        on p.org_id = c.org_id and c.mois between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
)

select
    org_id,
    period_type,
    period,
    sites_mois_consommes,
    sites_mois_compares,
    sites_compares,
    {{ round_to("kwh_hors_reference", 1) }} as kwh_hors_reference,
    {{ round_to("kwh_periode", 1) }} as kwh_periode,
    {{ round_to("kwh_reference", 1) }} as kwh_reference,
    {{ pct('kwh_periode', 'kwh_reference') }} as indice_brut_pct,
    {{ pct('(kwh_periode - kwh_reference)', 'kwh_reference') }} as evolution_brute_pct,
    sites_mois_sans_dju,
    case when sites_mois_sans_dju = 0 then {{ round_to("kwh_periode_corrige_partiel", 1) }} end as kwh_periode_corrige,
    case
        when sites_mois_sans_dju = 0
            then {{ pct('kwh_periode_corrige_partiel', 'kwh_reference') }}
    end as indice_corrige_pct,
    case
        when sites_mois_sans_dju = 0
            then {{ pct('(kwh_periode_corrige_partiel - kwh_reference)', 'kwh_reference') }}
    end as evolution_corrigee_pct,
    case
        when sites_mois_consommes = 0 then 'aucune consommation d''énergie reçue pour la période'
        when sites_mois_compares = 0
            then 'aucune consommation de référence 2010-2019 pour les sites et mois consommés'
    end as unavailable_reason
from aggregated

-- Reference consumption per site, month of the year and carrier, in kWh PCI. Rows that cannot
-- be used stay here with the reason: unknown carrier or unit, a year outside the décret
-- tertiaire window (parameters), a site missing from the register, or several reference years
-- for one site (the reference must be one year).
with reference as (select * from {{ ref('stg_energie__reference') }}),

factors as (select * from {{ ref('energie_facteurs_conversion') }}),

sites as (select * from {{ ref('stg_energie__sites') }}),

years_per_site as (
    select
        org_id,
        code_site,
        count(distinct annee_reference) as annees_du_site
    from reference
    group by org_id, code_site
),

flagged as (
    select
        r.*,
        f.facteur_kwh_pci,
        f.correction_climatique,
        s.code_site is not null as site_au_registre,
        y.annees_du_site
    from reference as r
    left join factors as f on r.energie = f.energie and r.unite = f.unite
    left join sites as s on r.org_id = s.org_id and r.code_site = s.code_site
    left join years_per_site as y on r.org_id = y.org_id and r.code_site = y.code_site
),

reasoned as (
    select
        fl.*,
        case
            when fl.facteur_kwh_pci is null
                then 'énergie ou unité inconnue (pas de facteur de conversion): ' || fl.energie || ' / ' || fl.unite
            when
                fl.annee_reference not between {{ param('fl.org_id', 'energie_reference_annee_min') }}
                and {{ param('fl.org_id', 'energie_reference_annee_max') }}
                then 'année de référence hors de la période admise (2010-2019)'
            when not fl.site_au_registre then 'site absent du registre des sites'
            when fl.annees_du_site > 1 then 'plusieurs années de référence pour le site'
            when fl.quantite < 0 then 'quantité négative'
        end as exclusion_reason
    from flagged as fl
)

select
    org_id,
    code_site,
    annee_reference,
    mois,
    {{ energie_kwh_pci_columns() }},
    exclusion_reason,
    _source_file,
    _source_row
from reasoned

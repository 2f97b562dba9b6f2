-- Monthly final energy per site and carrier, in kWh PCI, from the consumption files and the
-- meter flows (Enedis, GRDF). Rows that cannot be used stay here with the reason:
-- unknown carrier or unit (no conversion factor), site missing from the register, negative
-- quantity, or a file row for a site, month and carrier that a meter flow already covers.
{%- set semester = build_semester() %}

with files as (
    select
        org_id,
        code_site,
        mois,
        energie,
        unite,
        quantite,
        origine,
        'fichier' as flux,
        _source_file,
        _source_row
    from {{ ref('stg_energie__consommations') }}
),

meters as (
    select
        org_id,
        code_site,
        mois,
        energie,
        unite,
        quantite,
        origine,
        'compteur' as flux,
        cast(null as varchar) as _source_file,
        cast(null as bigint) as _source_row
    from {{ ref('int_energie__releves_mensuels') }}
),

unioned as (
    select * from files
    union all
    select * from meters
),

factors as (select * from {{ ref('energie_facteurs_conversion') }}),

sites as (select * from {{ ref('stg_energie__sites') }}),

flagged as (
    select
        u.*,
        f.facteur_kwh_pci,
        f.correction_climatique,
        s.code_site is not null as site_au_registre,
        bool_or(u.flux = 'compteur') over (partition by u.org_id, u.code_site, u.mois, u.energie)
            as couvert_par_compteur
    from unioned as u
    left join factors as f on u.energie = f.energie and u.unite = f.unite
    left join sites as s on u.org_id = s.org_id and u.code_site = s.code_site
)

select
    org_id,
    code_site,
    mois,
    {{ semester_of('mois') }} as semestre,
    {{ energie_kwh_pci_columns() }},
    origine,
    flux,
    exclusion_reason,
    _source_file,
    _source_row
from (
    select
        *,
        case
            when facteur_kwh_pci is null
                then 'énergie ou unité inconnue (pas de facteur de conversion): ' || energie || ' / ' || unite
            when not site_au_registre then 'site absent du registre des sites'
            when quantite < 0 then 'quantité négative'
            when flux = 'fichier' and couvert_par_compteur
                then 'mois déjà couvert par le relevé du compteur (Enedis ou GRDF)'
        end as exclusion_reason
    from flagged
) as r
{%- if semester %}
    where {{ semester_of('mois') }} <= '{{ semester }}'
{%- endif %}

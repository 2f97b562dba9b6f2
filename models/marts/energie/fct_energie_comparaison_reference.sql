-- Each site x month with usable consumption, beside the site's reference consumption for the
-- same month of the year (décret tertiaire: same site, same months), and the climate
-- correction of the month. The period's consumption is brought to the reference year's
-- climate: for the carriers flagged correction_climatique (all but electricity),
-- ratio = part_climatique x DJU(reference year, month) / DJU(month) + part_fixe, clamped to
-- [ratio_min, ratio_max], 1 in the months without correction (parameters). The corrected
-- consumption is unknown (null) when a DJU it needs is unknown.
with consumption as (
    select
        org_id,
        code_site,
        mois,
        {{ exact_sum('kwh_pci') }} as kwh_pci,
        {{ exact_sum('kwh_pci', where="correction_climatique") }} as kwh_pci_climat
    from {{ ref('fct_energie_consommations') }}
    where exclusion_reason is null
    group by org_id, code_site, mois
),

reference as (
    select
        org_id,
        code_site,
        mois,
        min(annee_reference) as annee_reference,
        {{ exact_sum('kwh_pci') }} as kwh_reference
    from {{ ref('fct_energie_reference') }}
    where exclusion_reason is null
    group by org_id, code_site, mois
),

sites as (select * from {{ ref('dim_energie_sites') }}),

dju as (select * from {{ ref('int_energie__dju_mensuels') }}),

joined as (
    select
        c.org_id,
        c.code_site,
        c.mois,
        c.kwh_pci,
        coalesce(c.kwh_pci_climat, 0) as kwh_pci_climat,
        r.kwh_reference,
        r.annee_reference,
        r.code_site is not null as has_reference,
        s.station_meteo,
        dp.dju as dju_periode,
        dr.dju as dju_reference,
        {{ delimited_contains(
            param('c.org_id', 'energie_correction_mois_sans', 'varchar'),
            'cast(extract(month from c.mois) as varchar)'
        ) }} as mois_sans_correction,
        {{ param('c.org_id', 'energie_correction_part_climatique') }} as part_climatique,
        {{ param('c.org_id', 'energie_correction_part_fixe') }} as part_fixe,
        {{ param('c.org_id', 'energie_correction_ratio_min') }} as ratio_min,
        {{ param('c.org_id', 'energie_correction_ratio_max') }} as ratio_max
    from consumption as c
    left join reference as r
        on c.org_id = r.org_id and c.code_site = r.code_site and extract(month from c.mois) = r.mois
    left join sites as s on c.org_id = s.org_id and c.code_site = s.code_site
    left join dju as dp on s.station_meteo = dp.station_meteo and c.mois = dp.mois
    left join dju as dr
        on
            s.station_meteo = dr.station_meteo
            and dr.mois = make_date(r.annee_reference, cast(extract(month from c.mois) as integer), 1)
),

ratios as (
    select
        *,
        case
            when mois_sans_correction or kwh_pci_climat = 0 then 1.0
            when dju_periode is null or dju_reference is null then null
            when dju_periode = 0 then 1.0
            else least(
                {{ exact('ratio_max') }},
                greatest(
                    {{ exact('ratio_min') }},
                    {{ div_round('part_climatique * dju_reference', 'dju_periode', 6) }} + {{ exact('part_fixe') }}
                )
            )
        end as ratio_correction
    from joined
)

select
    org_id,
    code_site,
    mois,
    kwh_pci,
    kwh_pci_climat,
    has_reference,
    annee_reference,
    kwh_reference,
    station_meteo,
    dju_periode,
    dju_reference,
    cast(round(ratio_correction, 4) as double precision) as ratio_correction,
    cast(
        round(
            {{ exact('kwh_pci') }} - {{ exact('kwh_pci_climat') }} + {{ exact('kwh_pci_climat') }} * ratio_correction,
            3
        )
        as double precision
    ) as kwh_pci_corrige
from ratios

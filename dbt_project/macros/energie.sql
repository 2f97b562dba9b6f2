{#- A consumption row in kWh PCI (fct_energie_consommations, fct_energie_reference): the carrier,
    unit and quantity received, the carrier's factor (seed energie_facteurs_conversion), the
    kWh PCI of a usable row (no exclusion_reason) to the thousandth, and whether the carrier is
    climate-corrected. -#}
{% macro energie_kwh_pci_columns() -%}
    energie,
    unite,
    quantite,
    facteur_kwh_pci,
    case when exclusion_reason is null then {{ round_to("quantite * facteur_kwh_pci", 3) }} end as kwh_pci,
    coalesce(correction_climatique, false) as correction_climatique
{%- endmacro %}

{#- A supplier's classification, matched on its SIRET (alias s: dim_fournisseurs at niveau
    siret), else on its SIREN (alias n: dim_fournisseurs_par_siren): the attribute of the SIRET
    match when there is one, else that of the SIREN match (NULL when neither: unknown). -#}
{% macro supplier_attribute(attribute) -%}
    case when s.identifiant is not null then s.{{ attribute }} else n.{{ attribute }} end
{%- endmacro %}

{#- The classification columns of a matched supplier (fct_fournisseurs_attributions,
    mart_fournisseurs_titulaires), in this order. -#}
{% macro supplier_attributes() -%}
    {%- set attributes = [
        'categorie_entreprise', 'is_ess', 'is_siae', 'is_secteur_protege_adapte', 'types_structure'
    ] %}
    {%- for attribute in attributes %}
        {{ supplier_attribute(attribute) }} as {{ attribute }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

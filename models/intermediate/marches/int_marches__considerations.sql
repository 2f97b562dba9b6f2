-- [issue 12] The considerations of each contract read through decp_considerations_variantes: the
-- official values they mean, and the values found nowhere (which make the contract's
-- considerations unknown, never "no consideration"). A view: fct_marches reads it for the
-- contracts it rebuilds.
{{ config(materialized='view') }}

with contracts as (
    select
        contrat_key,
        considerations_sociales_liste,
        considerations_environnementales_liste
    from {{ ref('int_marches__classified') }}
),

variantes as (
    select
        famille,
        valeur,
        canonique
    from {{ ref('decp_considerations_variantes') }}
)

select
    contrat_key,
    {{ considerations_mapped('considerations_sociales_liste', 'sociale') }}
        as considerations_sociales_canoniques,
    {{ considerations_mapped('considerations_sociales_liste', 'sociale', unmapped=true) }}
        as considerations_sociales_hors_liste,
    {{ considerations_mapped('considerations_environnementales_liste', 'environnementale') }}
        as considerations_environnementales_canoniques,
    {{ considerations_mapped('considerations_environnementales_liste', 'environnementale', unmapped=true) }}
        as considerations_environnementales_hors_liste
from contracts

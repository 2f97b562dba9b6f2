-- [issue 12] The considerations lists received, read through decp_considerations_variantes: the
-- official values they mean, and the values found nowhere (which make a contract's
-- considerations unknown, never "no consideration"). One row per distinct pair of lists
-- received (a few dozen at national scale), which fct_marches joins on the contract's lists.
--
-- [performance, issue 15] Keyed by the lists, not by contract: joined on contrat_key, DuckDB
-- built its hash table on fct_marches' 1.5 million wide rows (it cannot estimate this view's
-- size) and spilled them at the memory cap: fct_marches 11.2-11.7 s / 20-21 CPU-s, against
-- 4.1-4.3 s / 7.8-8.1 CPU-s joined on the lists (docs/performance.md, session 18).
{{ config(materialized='view') }}

with lists as (
    select distinct
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
    considerations_sociales_liste,
    considerations_environnementales_liste,
    {{ considerations_mapped('considerations_sociales_liste', 'sociale') }}
        as considerations_sociales_canoniques,
    {{ considerations_mapped('considerations_sociales_liste', 'sociale', unmapped=true) }}
        as considerations_sociales_hors_liste,
    {{ considerations_mapped('considerations_environnementales_liste', 'environnementale') }}
        as considerations_environnementales_canoniques,
    {{ considerations_mapped('considerations_environnementales_liste', 'environnementale', unmapped=true) }}
        as considerations_environnementales_hors_liste
from lists

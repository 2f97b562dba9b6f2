-- The AGEC art. 58 declaration of the purchases made through the centrales d'achat, in the
-- official data.gouv.fr schema (schema-declaration-biens-reemploi-reutilisation-recycle v0.1.0):
-- one row per organisation x calendar year x product category, columns named and ordered as
-- the schema. The declaring SIRET is the organisation's parameter siret_declarant_agec58.
-- Donations are not reported by the centrales: montant_produits_issus_don is 0.
-- Only lines whose re-used / recycled figures are known and coherent are declared.
with lines as (
    select * from {{ ref('fct_centrales_achats') }}
    where
        org_id is not null
        and type_produit_agec58 is not null
        and annee is not null
        and montant_circulaire_ht is not null
),

organisations as (select * from {{ ref('organisations') }})

select
    l.org_id,
    l.annee,
    {{ param('l.org_id', 'siret_declarant_agec58', 'varchar') }} as siret,
    o.org_name as raison_sociale,
    l.type_produit_agec58 as type_produit_acquis,
    {{ exact_sum('l.montant_ht', 2) }} as montant_total,
    {{ exact_sum('coalesce(l.montant_reemploi_ht, 0)', 2) }} as montant_reemploi_et_reutilisation,
    cast(0 as double precision) as montant_produits_issus_don,
    {{ exact_sum('coalesce(l.montant_recycle_ht, 0)', 2) }} as montant_produits_recycles,
    'achats via centrales d''achat: ' || string_agg(distinct l.centrale, ', ' order by l.centrale) as commentaires
from lines as l
inner join organisations as o on l.org_id = o.org_id
group by l.org_id, l.annee, o.org_name, l.type_produit_agec58

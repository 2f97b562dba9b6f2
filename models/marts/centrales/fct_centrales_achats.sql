-- One row per purchase line reported by a centrale d'achat, with its organisation, its
-- semester (when the reported period lies within one), its AGEC art. 58 product category
-- (given by the centrale, or mapped from its own category by seeds/centrales_categories_agec58)
-- and what is known of its re-used / recycled content.
-- Lines without buyer SIRET belong to the landing organisation; a buyer SIRET outside every
-- organisation leaves org_id empty (out of scope).
with lines as (select * from {{ ref('stg_centrales__achats') }}),

buyers as (select * from {{ ref('organisation_acheteurs') }}),

category_map as (select * from {{ ref('centrales_categories_agec58') }}),

agec_categories as (
    select distinct type_produit_agec58 from {{ ref('centrales_agec58_minimums') }}
),

enriched as (
    select
        l.*,
        case
            when l.siret_acheteur is null then {{ landing_org_id('l._source_file') }}
            else b.org_id
        end as org_id,
        coalesce(l.type_produit_agec58, m.type_produit_agec58) as type_produit_agec58_retenu,
        l.montant_reemploi_ht is not null or l.montant_recycle_ht is not null as circulaire_renseigne,
        not(
            l.montant_ht > 0
            and coalesce(l.montant_reemploi_ht, 0) + coalesce(l.montant_recycle_ht, 0) > l.montant_ht * 1.0001
        ) as parts_circulaires_coherentes
    from lines as l
    left join buyers as b on l.siret_acheteur = b.acheteur_siret
    left join category_map as m
        on
            l.centrale = upper(m.centrale_code)
            and lower(l.categorie) = lower(m.categorie_source)
)

select
    e.org_id,
    e.centrale,
    e.reference_ligne,
    e.date_achat,
    e.periode_source,
    e.periode_debut,
    e.periode_fin,
    case
        when
            {{ semester_of('e.periode_debut') }} = {{ semester_of('e.periode_fin') }}
            then {{ semester_of('e.periode_debut') }}
    end as semestre,
    case
        when extract(year from e.periode_debut) = extract(year from e.periode_fin)
            then extract(year from e.periode_debut)
    end as annee,
    e.siret_acheteur,
    e.montant_ht,
    e.categorie,
    e.type_produit_agec58 as type_produit_agec58_source,
    a.type_produit_agec58,
    e.type_produit_agec58_retenu is not null and a.type_produit_agec58 is null as categorie_agec58_inconnue,
    e.consideration_environnementale_source,
    e.consideration_environnementale,
    e.heures_insertion,
    e.montant_reemploi_ht,
    e.montant_recycle_ht,
    e.parts_circulaires_coherentes,
    -- NULL when unknown: no re-used / recycled figure, or figures larger than the line (incoherent)
    case
        when e.circulaire_renseigne and e.parts_circulaires_coherentes and e.montant_ht >= 0
            then least(e.montant_ht, coalesce(e.montant_reemploi_ht, 0) + coalesce(e.montant_recycle_ht, 0))
        -- a credit note (negative amount) takes back its negative re-used / recycled share
        when e.circulaire_renseigne and e.parts_circulaires_coherentes
            then greatest(e.montant_ht, coalesce(e.montant_reemploi_ht, 0) + coalesce(e.montant_recycle_ht, 0))
    end as montant_circulaire_ht,
    e.siret_fournisseur,
    e._source_file,
    e._source_row,
    e._source_sha256
from enriched as e
left join agec_categories as a on lower(e.type_produit_agec58_retenu) = lower(a.type_produit_agec58)

-- The internal procedure export, typed at ingest; here only renamed and normalised.
with source as (select * from {{ source('procedures', 'procedures_internes') }})

select
    {{ siret_compact('siret_acheteur') }} || '|' || id_marche as contrat_key,
    {{ siret_compact('siret_acheteur') }} as acheteur_id,
    id_marche as marche_id,
    objet,
    trim(direction) as direction,
    lower(trim(section_budgetaire)) as section_budgetaire,
    date_notification,
    montant_ht,
    sourcing_realise,
    negociation_realisee,
    clause_progres,
    analyse_cycle_vie,
    label_spaser,
    analyse_opportunite_clause_sociale,
    fiche_type_considerations_sociales,
    criteres_numerique_responsable,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from source

-- One row per contract of the internal export: when a procedure appears in several exports,
-- the last file loaded (then the last line) wins.
with ranked as (
    select
        *,
        row_number() over (
            partition by contrat_key
            order by _source_file desc, _source_row desc
        ) as version_rank
    from {{ ref('stg_procedures__procedures_internes') }}
)

select
    contrat_key,
    acheteur_id,
    marche_id,
    objet,
    direction,
    section_budgetaire,
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
from ranked
where version_rank = 1

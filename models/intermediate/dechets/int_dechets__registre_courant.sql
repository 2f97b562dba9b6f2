-- Current state of each registry line (producer SIRET + unique identifier): the last line
-- received wins (RNDTS: MODIFIER replaces, ANNULER cancels; IGNORER lines are not data).
with lines as (
    select * from {{ ref('stg_dechets__registre') }}
    where motif is distinct from 'IGNORER'
),

ranked as (
    select
        *,
        {{ delivery_rank('ligne_key') }} as version_rank,
        count(*) over (partition by {{ landing_prefix() }}, ligne_key) as versions_recues
    from lines
)

select
    ligne_key,
    identifiant,
    format_registre,
    motif,
    statut_bordereau,
    numero_bordereau,
    siret_declarant,
    siret_producteur,
    site,
    date_expedition,
    date_operation,
    code_dechet_source,
    code_dechet,
    denomination,
    dangereux_declare,
    poids_t,
    type_poids,
    quantite_traitee_t,
    destination_id,
    code_operation_prevu,
    mode_operation_prevu,
    codes_operation_realises,
    modes_operation_realises,
    codes_operation_finale,
    quantites_finales,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at,
    versions_recues
from ranked
where version_rank = 1

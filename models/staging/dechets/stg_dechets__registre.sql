-- The outgoing waste registry, typed at ingest; here normalised: waste code in the spaced
-- form of the European List of Waste, operation codes compacted into '|'-delimited
-- text ('' when none).
with source as (select * from {{ source('dechets', 'dechets_registre') }}),

compacted as (
    select
        *,
        {{ siret_compact('siret_producteur') }} as siret_producteur_compact,
        replace(replace(trim(code_dechet), ' ', ''), chr(160), '') as code_dechet_compact,
        upper(nullif(trim(motif), '')) as motif_upper
    from source
)

select
    coalesce(siret_producteur_compact, '?') || '|' || trim(identifiant) as ligne_key,
    trim(identifiant) as identifiant,
    format_registre,
    case motif_upper
        when 'EDIT' then 'MODIFIER'
        when 'CANCEL' then 'ANNULER'
        when 'IGNORE' then 'IGNORER'
        else motif_upper
    end as motif,
    upper(nullif(trim(statut), '')) as statut_bordereau,
    numero_bordereau,
    {{ siret_compact('siret_declarant') }} as siret_declarant,
    siret_producteur_compact as siret_producteur,
    nullif(trim(site), '') as site,
    date_expedition,
    date_operation,
    code_dechet as code_dechet_source,
    case
        when {{ regexp_like('code_dechet_compact', "'^[0-9]{6}\\*?$'") }}
            then
                substr(code_dechet_compact, 1, 2) || ' ' || substr(code_dechet_compact, 3, 2) || ' '
                || substr(code_dechet_compact, 5)
    end as code_dechet,
    nullif(trim(denomination), '') as denomination,
    dangereux as dangereux_declare,
    poids_t,
    upper(nullif(trim(type_poids), '')) as type_poids,
    quantite_traitee_t,
    destination_id,
    nullif(upper(replace(trim(code_operation_prevu), ' ', '')), '') as code_operation_prevu,
    nullif(upper(trim(mode_operation_prevu)), '') as mode_operation_prevu,
    trim(both '|' from regexp_replace(
        upper(replace(coalesce(codes_operation_realises, ''), ' ', '')), '[,;|/]+', '|', 'g'
    )) as codes_operation_realises,
    trim(both '|' from regexp_replace(
        upper(replace(coalesce(modes_operation_realises, ''), ' ', '')), '[,;|/]+', '|', 'g'
    )) as modes_operation_realises,
    trim(both '|' from regexp_replace(
        upper(replace(coalesce(codes_operation_finale, ''), ' ', '')), '[,;|/]+', '|', 'g'
    )) as codes_operation_finale,
    quantites_finales,
    _source_file,
    _source_sha256,
    _source_row,
    _ingested_at
from compacted

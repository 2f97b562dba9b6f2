-- One row per DECP record as received (versions and duplicates included), with the
-- state after its last modification (stg_decp__modifications) and the considerations lists as
-- '|'-delimited text (*_liste: NULL when the field is not given, as in the 2019 format, never
-- confused with an explicit "Pas de considération"). The nested columns are passed through
-- for the releases; stg_decp__titulaires and stg_decp__modifications flatten them.
with source as (select * from {{ source('decp', 'decp_marches') }}),

last_modification as (
    select
        _source_file,
        _source_row,
        record_path,
        max(date_notification) as date_derniere_modification,
        count(*) as nombre_modifications,
        -- the latest modification that sets each field wins
        {{ arg_max('montant', 'coalesce(id, 0)', where='montant is not null') }} as montant_modifie,
        {{ arg_max('duree_mois', 'coalesce(id, 0)', where='duree_mois is not null') }} as duree_mois_modifiee
    from {{ ref('stg_decp__modifications') }}
    group by _source_file, _source_row, record_path
)

select
    {{ contrat_key('s.acheteur_id', 's.id') }} as contrat_key,
    s.id as marche_id,
    s.uid,
    -- matched against the configuration's buyer SIRETs: '225 900 992 00010' is the same buyer
    {{ siret_compact('s.acheteur_id') }} as acheteur_id,
    s.acheteur_nom,
    s.format_version,
    s.contract_kind,
    s.nature,
    s.objet,
    -- CPV without its optional check digit, as the schema recommends
    left(s.code_cpv, 8) as code_cpv,
    s.procedure,
    s.forme_prix,
    s.date_notification,
    s.date_publication_donnees,
    s.montant as montant_initial,
    coalesce(lm.montant_modifie, s.montant) as montant,
    s.duree_mois as duree_mois_initiale,
    coalesce(lm.duree_mois_modifiee, s.duree_mois) as duree_mois,
    s.offres_recues,
    s.lieu_execution_code,
    s.lieu_execution_type_code,
    s.ccag,
    s.type_groupement_operateurs,
    s.marche_innovant,
    s.sous_traitance_declaree,
    s.id_accord_cadre,
    s.techniques,
    s.modalites_execution,
    s.considerations_sociales,
    s.considerations_environnementales,
    {{ list_to_text('s.considerations_sociales') }} as considerations_sociales_liste,
    {{ list_to_text('s.considerations_environnementales') }} as considerations_environnementales_liste,
    s.titulaires,
    coalesce(lm.nombre_modifications, 0) as nombre_modifications,
    lm.date_derniere_modification,
    s.parse_warnings,
    s.source as plateforme_source,
    s.record_path,
    s._source_file,
    s._source_sha256,
    s._source_row,
    s._ingested_at
from source as s
left join last_modification as lm
    on
        s._source_file = lm._source_file
        and s._source_row = lm._source_row
        and s.record_path = lm.record_path

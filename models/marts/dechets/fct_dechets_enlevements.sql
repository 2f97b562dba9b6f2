-- One row per current line of the outgoing waste registry: tonnes, waste code and hazard,
-- the final treatment operation and its class (reuse, recycling, recovery, elimination).
-- Intermediate operations (R12, R13, D9, D13, D14, D15) are never a final treatment: the
-- final destination's code is used when the registry gives it, otherwise the line has no
-- treatment class. Lines that must not count carry exclusion_reason.
with lines as (
    select
        *,
        {{ split_list('codes_operation_finale') }} as liste_codes_finale,
        {{ split_list('codes_operation_realises') }} as liste_codes_realises,
        {{ split_list('modes_operation_realises') }} as liste_modes_realises,
        {{ landing_org_id() }} as org_id,
        (
            select array_agg(o.code_operation) from {{ ref('dechets_operations') }} as o
            where o.est_finale
        ) as finales,
        (select array_agg(o.code_operation) from {{ ref('dechets_operations') }} as o) as connues
    from {{ ref('int_dechets__registre_courant') }}
),

codes as (select * from {{ ref('dechets_codes_europeens') }}),

operations as (select * from {{ ref('dechets_operations') }}),

modes as (select * from {{ ref('dechets_modes_traitement') }}),

chosen as (
    select
        *,
        {{ list_first_in('liste_codes_finale', 'finales') }} as code_finale,
        {{ list_first_in('liste_codes_realises', 'finales') }} as code_realise_final,
        case
            when {{ list_contains('finales', 'code_operation_prevu') }} then code_operation_prevu
        end as code_prevu_final,
        {{ list_unknown(
            ['liste_codes_finale', 'liste_codes_realises', list_of('code_operation_prevu')], 'connues'
        ) }} as codes_operation_inconnus,
        {{ list_length('liste_codes_finale') }} + {{ list_length('liste_codes_realises') }}
        + case when code_operation_prevu is null then 0 else 1 end as nombre_codes_operation
    from lines
),

with_operation as (
    select
        c.*,
        coalesce(c.code_finale, c.code_realise_final, c.code_prevu_final) as code_operation_finale,
        case
            when c.code_finale is not null then 'destination finale'
            when c.code_realise_final is not null then 'traitement réalisé'
            when c.code_prevu_final is not null then 'traitement prévu'
        end as source_operation,
        case
            when c.code_finale is not null then null
            when c.code_realise_final is not null then c.liste_modes_realises[1]
            else c.mode_operation_prevu
        end as mode_declare
    from chosen as c
)

select
    w.ligne_key,
    w.org_id,
    w.identifiant,
    w.format_registre,
    w.motif,
    w.statut_bordereau,
    w.numero_bordereau,
    w.siret_producteur,
    w.site,
    w.date_expedition,
    {{ semester_and_year('w.date_expedition') }},
    w.code_dechet_source,
    w.code_dechet,
    cd.code_dechet is not null as code_dechet_connu,
    cd.libelle as libelle_code_dechet,
    coalesce(cd.dangereux, right(w.code_dechet, 1) = '*', w.dangereux_declare, false) as dangereux,
    w.denomination,
    w.poids_t,
    w.type_poids,
    w.code_operation_prevu,
    {{ list_column('w.liste_codes_realises') }} as codes_operation_realises,
    {{ list_column('w.liste_codes_finale') }} as codes_operation_finale,
    {{ list_column('w.codes_operation_inconnus') }} as codes_operation_inconnus,
    w.code_operation_finale,
    w.source_operation,
    w.mode_declare,
    coalesce(
        case when {{ delimited_contains('op.modes_admis', 'w.mode_declare') }} then m.classe end,
        op.classe_defaut
    ) as classe_traitement,
    case
        when w.code_operation_finale is not null then 'final'
        when w.nombre_codes_operation > 0 and {{ list_length('w.codes_operation_inconnus') }} = w.nombre_codes_operation
            then 'code inconnu'
        when w.nombre_codes_operation > 0 then 'intermédiaire sans destination finale connue'
        else 'opération non renseignée'
    end as statut_traitement,
    coalesce(op.admis_en_france, true) as operation_admise,
    w.versions_recues,
    case
        when w.motif = 'ANNULER' then 'ligne annulée dans le registre (Motif ANNULER)'
        when w.statut_bordereau in ('CANCELED', 'CANCELLED', 'DRAFT') then 'bordereau annulé ou en brouillon'
        when w.poids_t <= 0 then 'poids nul ou négatif'
        when w.poids_t > {{ param('w.org_id', 'dechets_poids_max_t') }}
            then 'poids non plausible (au-delà du maximum du registre national, tonnes saisies en kg ?)'
    end as exclusion_reason,
    w._source_file,
    w._source_row
from with_operation as w
left join codes as cd on w.code_dechet = cd.code_dechet
left join operations as op on w.code_operation_finale = op.code_operation
left join modes as m on w.mode_declare = m.mode_traitement

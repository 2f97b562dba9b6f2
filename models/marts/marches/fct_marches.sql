-- One row per contract (buyer SIRET + contract id), at its current version, excluding test
-- records and out-of-scope records (listed with their reason in fct_marches_exclusions),
-- joined to the buyer's internal procedure export.
--
-- Incremental (issue 5): only contracts whose retained record changed, and those of the
-- procedure export (small: the organisation's own), are rebuilt (delete+insert on
-- contrat_key); the post-hook drops contracts that left int_marches__classified or are now
-- excluded. A change of seeds or SQL triggers a full refresh (orchestration/dbt.py).
{{ incremental_by_contract(
    "{{ delete_contracts_not_in(ref('int_marches__classified'), 'kept.exclusion_reason is null') }}"
) }}

-- [performance, issue 15] Not materialized: the incremental change detection reads it twice,
-- and a materialized copy of every wide row cost more than scanning the table again.
with retained as not materialized (
    select * from {{ ref('int_marches__classified') }}
    where exclusion_reason is null
),

procedures as (select * from {{ ref('int_procedures__deduplicated') }}),

{% if is_incremental() %}

    contracts as (
        {{ changed_contract_rows('retained', also=[
            'select contrat_key from procedures',
            'select contrat_key from ' ~ this ~ ' where has_procedure_interne',
        ]) }}
    ),

{% else %}

    contracts as (
        select * from retained
    ),

{% endif %}

numerique as (
    select cpv_prefix from {{ ref('cpv_perimetres') }}
    where perimetre = 'numerique_responsable'
),

-- [performance, issue 15] The CPV codes of the responsible-digital perimeter, matched once per
-- distinct code: an EXISTS per contract made DuckDB materialise every contract's whole row
-- (fct_marches 8.3 -> 6.0 CPU-s full at 1.5 million contracts; with `retained` not
-- materialized, 2.3 -> 1.3 CPU-s on an incremental build with no new contract).
numerique_cpv as (
    select distinct k.code_cpv
    from (select distinct code_cpv from {{ ref('int_marches__classified') }}) as k
    inner join numerique as n on starts_with(k.code_cpv, n.cpv_prefix)
),

considerations as (
    select
        c.*,
        k.considerations_sociales_canoniques,
        k.considerations_sociales_hors_liste,
        k.considerations_environnementales_canoniques,
        k.considerations_environnementales_hors_liste
    from contracts as c
    -- the lists' meaning, joined on the lists themselves (a NULL list is a list not given)
    left join {{ ref('int_marches__considerations') }} as k
        on
            c.considerations_sociales_liste is not distinct from k.considerations_sociales_liste
            and c.considerations_environnementales_liste is not distinct from k.considerations_environnementales_liste
),

flags as (
    select
        c.*,
        c.considerations_sociales is not null and c.considerations_sociales_hors_liste is null
            as considerations_sociales_connues,
        c.considerations_environnementales is not null and c.considerations_environnementales_hors_liste is null
            as considerations_environnementales_connues,
        nc.code_cpv is not null as perimetre_numerique
    from considerations as c
    left join numerique_cpv as nc on c.code_cpv = nc.code_cpv
)

select
    f.contrat_key,
    f.org_id,
    f.acheteur_id,
    f.marche_id,
    f.uid,
    f.format_version,
    f.nature,
    f.objet,
    f.code_cpv,
    f.procedure,
    f.forme_prix,
    f.date_notification,
    {{ semester_and_year('f.date_notification') }},
    f.date_publication_donnees,
    f.montant_initial,
    f.montant,
    f.montant_plausible,
    f.duree_mois,
    case
        when f.duree_mois is not null
            then cast({{ dbt.dateadd('month', 'f.duree_mois', 'f.date_notification') }} as date)
    end as date_fin_prevue,
    f.offres_recues,
    f.techniques,
    f.modalites_execution,
    f.titulaires,
    f.considerations_sociales,
    f.considerations_environnementales,
    f.considerations_sociales_connues,
    f.considerations_environnementales_connues,
    f.considerations_sociales_hors_liste,
    f.considerations_environnementales_hors_liste,
    -- NULL when the format does not carry considerations (2019): unknown is not "no"
    case
        when f.considerations_sociales_connues
            then {{ list_has('f.considerations_sociales_canoniques', 'Clause sociale') }}
    end as has_clause_sociale,
    case
        when f.considerations_sociales_connues
            then {{ list_has('f.considerations_sociales_canoniques', 'Marché réservé') }}
    end as is_marche_reserve,
    case
        when f.considerations_sociales_connues
            then {{ list_has_any(
                'f.considerations_sociales_canoniques',
                ['Clause sociale', 'Critère social', 'Marché réservé']) }}
    end as has_consideration_sociale,
    case
        when f.considerations_environnementales_connues
            then {{ list_has_any(
                'f.considerations_environnementales_canoniques',
                ['Clause environnementale', 'Critère environnemental']) }}
    end as has_consideration_environnementale,
    f.perimetre_numerique,
    p.contrat_key is not null as has_procedure_interne,
    p.direction,
    p.section_budgetaire,
    p.sourcing_realise,
    p.negociation_realisee,
    p.clause_progres,
    p.analyse_cycle_vie,
    p.label_spaser,
    p.analyse_opportunite_clause_sociale,
    p.fiche_type_considerations_sociales,
    p.criteres_numerique_responsable,
    f.nombre_versions_recues,
    f.nombre_modifications,
    f.parse_warnings,
    f._source_file,
    f._source_row,
    f._source_sha256,
    p._source_file as procedures_source_file,
    p._source_row as procedures_source_row
from flags as f
left join procedures as p on f.contrat_key = p.contrat_key

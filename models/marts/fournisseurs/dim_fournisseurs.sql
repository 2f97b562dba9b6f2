-- One row per classified supplier identifier (SIRET, or SIREN when the classification gives
-- only a SIREN), consolidated from the three sources of the feed:
-- - the buyer's classification (last line wins: latest date_mise_a_jour, then last file/line):
--   company category (TPE | PME | ETI | GE), ESS flag, structure type;
-- - the ASP list of agreed SIAE and Le marché de l'inclusion: structure types (a SIRET can hold
--   several agreements) and legal form.
-- ESS: the explicit flag, else presumed from a legal form that is ESS by law (associations,
-- cooperatives, mutuals, foundations: seeds/fournisseurs_formes_ess), else unknown (NULL).
-- SIAE / protected-adapted work (EA, EATT, ESAT): from seeds/fournisseurs_types; a supplier
-- in none of the lists is not one (the ASP and Le marché lists are the agreed structures).
-- DEP-3 eligibility: true for TPE/PME, ESS or SIAE; false for ETI/GE known not ESS and not
-- SIAE; NULL (unknown, out of DEP-3's denominator) otherwise.
with classification_ranked as (
    select
        *,
        row_number() over (
            partition by identifiant
            order by date_mise_a_jour desc nulls last, _ingested_at desc, _source_file desc, _source_row desc
        ) as rang
    from {{ ref('stg_fournisseurs__classification') }}
),

classification as (
    select
        identifiant,
        siret,
        siren,
        raison_sociale,
        categorie_entreprise,
        categorie_entreprise_source,
        ess,
        type_structure,
        source,
        date_mise_a_jour,
        _source_file,
        _source_row,
        _ingested_at
    from classification_ranked
    where rang = 1
),

asp as (select * from {{ ref('stg_fournisseurs__siae_asp') }}),

le_marche as (select * from {{ ref('stg_fournisseurs__le_marche') }}),

types as (select * from {{ ref('fournisseurs_types') }}),

ess_forms as (
    select lower(motif) as motif from {{ ref('fournisseurs_formes_ess') }}
),

kinds as (
    select
        identifiant,
        type_structure,
        'classification' as origine
    from classification
    where type_structure is not null
    union all
    select
        siret as identifiant,
        type_structure,
        'asp' as origine
    from asp
    union all
    select
        siret as identifiant,
        type_structure,
        'le_marche' as origine
    from le_marche
),

directory as (
    select
        siret as identifiant,
        raison_sociale,
        forme_juridique,
        1 as priorite
    from asp
    union all
    select
        siret as identifiant,
        raison_sociale,
        forme_juridique,
        2 as priorite
    from le_marche
),

per_kind as (
    select
        k.identifiant,
        string_agg(distinct k.type_structure, '|' order by k.type_structure) as types_structure,
        string_agg(distinct k.origine, '|' order by k.origine) as sources,
        coalesce(bool_or(t.siae), false) as is_siae,
        coalesce(bool_or(t.secteur_protege_adapte), false) as is_secteur_protege_adapte
    from kinds as k
    left join types as t on k.type_structure = t.type_structure
    group by k.identifiant
),

per_directory as (
    select
        d.identifiant,
        {{ arg_min('d.raison_sociale', 'd.priorite') }} as raison_sociale,
        {{ arg_min('d.forme_juridique', 'd.priorite') }} as forme_juridique,
        bool_or(exists (
            select 1 from ess_forms as f
            where {{ dbt.position('f.motif', 'lower(d.forme_juridique)') }} > 0
        )) as ess_par_forme_juridique
    from directory as d
    group by d.identifiant
),

identifiers as (
    select identifiant from classification
    union
    select identifiant from per_kind
),

consolidated as (
    select
        i.identifiant,
        case when length(i.identifiant) = 14 then i.identifiant end as siret,
        left(i.identifiant, 9) as siren,
        case when length(i.identifiant) = 14 then 'siret' else 'siren' end as niveau,
        coalesce(c.raison_sociale, d.raison_sociale) as raison_sociale,
        c.categorie_entreprise,
        coalesce(c.ess, case when d.ess_par_forme_juridique then true end) as is_ess,
        case
            when c.ess is not null then 'classification'
            when d.ess_par_forme_juridique then 'forme juridique'
        end as ess_origine,
        d.forme_juridique,
        k.types_structure,
        coalesce(k.is_siae, false) as is_siae,
        coalesce(k.is_secteur_protege_adapte, false) as is_secteur_protege_adapte,
        concat_ws('|', case when c.identifiant is not null then 'classification' end, k.sources) as sources,
        c._source_file as classification_source_file,
        c._source_row as classification_source_row
    from identifiers as i
    left join classification as c on i.identifiant = c.identifiant
    left join per_kind as k on i.identifiant = k.identifiant
    left join per_directory as d on i.identifiant = d.identifiant
)

select
    *,
    categorie_entreprise in ('TPE', 'PME') as is_pme_tpe,
    case
        when categorie_entreprise in ('TPE', 'PME') or is_ess or is_siae then true
        when categorie_entreprise in ('ETI', 'GE') and is_ess = false then false
    end as dep3_eligible
from consolidated

-- Current version of each contract with its organisation and, when it must not count, the
-- reason. Rules and thresholds come from seeds (decp_enregistrements_test, spaser_parametres).
with current_versions as (
    select * from {{ ref('int_marches__versions_ranked') }}
    where version_rank = 1
),

buyers as (
    select * from {{ ref('organisation_acheteurs') }}
),

test_patterns as (
    select * from {{ ref('decp_enregistrements_test') }}
),

test_matches as (
    select
        c.contrat_key,
        min(t.reason) as test_reason
    from current_versions as c
    inner join test_patterns as t
        on
            (t.field = 'objet' and {{ regexp_like('lower(c.objet)', 't.pattern') }})
            or (t.field = 'marche_id' and {{ regexp_like('lower(c.marche_id)', 't.pattern') }})
            or (t.field = 'acheteur_id' and c.acheteur_id = t.pattern)
    group by c.contrat_key
),

classified as (
    select
        c.*,
        b.org_id,
        tm.test_reason,
        coalesce(
            c.montant between {{ param('b.org_id', 'montant_plausible_min_eur') }}
            and {{ param('b.org_id', 'montant_plausible_max_eur') }},
            false
        ) as montant_plausible
    from current_versions as c
    left join buyers as b on c.acheteur_id = b.acheteur_siret
    left join test_matches as tm on c.contrat_key = tm.contrat_key
)

select
    *,
    case
        when test_reason is not null then 'enregistrement de test: ' || test_reason
        when contract_kind = 'concession' then 'contrat de concession: hors périmètre des marchés'
        when extract(year from date_notification) < 2000
            then 'date de notification implausible: ' || cast(date_notification as varchar)
        when date_notification > cast(_ingested_at as date)
            then 'date de notification postérieure à la réception du fichier'
    end as exclusion_reason
from classified

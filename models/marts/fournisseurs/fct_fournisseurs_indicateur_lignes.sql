-- Lineage of the supplier indicators (fct_fournisseurs_indicateurs), one line per
-- organisation x period x indicator x spend row of its scope (columns as every
-- fct_<feed>_indicateur_lignes). The source row is the contract's DECP record or the centrale
-- purchase line; the secondary source row is the buyer's classification line of the supplier
-- when it is classified there by its SIRET.
-- DEP-2: titulaire shares of the contracts notified in the period and centrale lines with a
--        supplier SIRET: EUR HT in the denominator when the supplier is classified, in the
--        numerator when it is EA/ESAT. Value = numerator.
-- DEP-3: titulaire shares of the contracts notified in the period: EUR HT in the denominator
--        when DEP-3 eligibility is known, in the numerator when eligible.
with periods as (select * from {{ ref('int_periodes') }}),

contracts as (
    select
        contrat_key,
        _source_file,
        _source_row
    from {{ ref('fct_marches') }}
),

centrale_lines as (
    select
        centrale || '|' || _source_file || '|' || cast(_source_row as varchar) as reference,
        _source_file,
        _source_row
    from {{ ref('fct_centrales_achats') }}
    where siret_fournisseur is not null
),

classification as (
    select
        siret,
        classification_source_file,
        classification_source_row
    from {{ ref('dim_fournisseurs') }}
    where niveau = 'siret'
),

spend as (
    select
        s.*,
        coalesce(c._source_file, l._source_file) as source_file,
        coalesce(c._source_row, l._source_row) as source_row,
        k.classification_source_file,
        k.classification_source_row
    from {{ ref('fct_fournisseurs_depenses') }} as s
    left join contracts as c on s.origine = 'marche' and s.reference = c.contrat_key
    left join centrale_lines as l on s.origine = 'centrale' and s.reference = l.reference
    left join classification as k on s.fournisseur_id = k.siret
),

awards as (
    select
        a.*,
        c._source_file as source_file,
        c._source_row as source_row,
        k.classification_source_file,
        k.classification_source_row
    from {{ ref('fct_fournisseurs_attributions') }} as a
    left join contracts as c on a.contrat_key = c.contrat_key
    left join classification as k on a.siret = k.siret
    where a.montant_part is not null
)

select
    p.org_id,
    p.period_type,
    p.period,
    'DEP-2' as indicator_id,
    s.reference || '|' || s.fournisseur_id as record_key,
    case
        when s.origine = 'marche' then 'part du titulaire dans le montant du marché notifié'
        else 'ligne d''achat de centrale'
    end as measure,
    'EUR HT' as unit,
    s.est_classe as in_denominator,
    s.is_secteur_protege_adapte as in_numerator,
    case when s.is_secteur_protege_adapte then coalesce(s.montant_ht, 0) else 0 end as numerator_value,
    case when s.est_classe then coalesce(s.montant_ht, 0) else 0 end as denominator_value,
    case when s.is_secteur_protege_adapte then coalesce(s.montant_ht, 0) else 0 end as value_contribution,
    {{ line_flags([
        ('origine', 's.origine'),
        ('fournisseur', 's.fournisseur_id'),
        ('montant_ht', 's.montant_ht', 'number'),
        ('classe', 's.est_classe'),
        ('types_structure', 's.types_structure'),
    ]) }} as flags,
    s.source_file,
    s.source_row,
    s.classification_source_file as secondary_source_file,
    s.classification_source_row as secondary_source_row
from periods as p
inner join spend as s
    on
        p.org_id = s.org_id
        and p.period_start <= s.date_debut
        and p.period_end >= s.date_fin
union all
select
    p.org_id,
    p.period_type,
    p.period,
    'DEP-3' as indicator_id,
    a.contrat_key || '|' || a.titulaire_id as record_key,
    'part du titulaire dans le montant du marché notifié' as measure,
    'EUR HT' as unit,
    a.dep3_eligible is not null as in_denominator,
    coalesce(a.dep3_eligible, false) as in_numerator,
    case when a.dep3_eligible then a.montant_part else 0 end as numerator_value,
    case when a.dep3_eligible is not null then a.montant_part else 0 end as denominator_value,
    cast(null as double precision) as value_contribution,
    {{ line_flags([
        ('titulaire', 'a.titulaire_id'),
        ('montant_part', 'a.montant_part', 'number'),
        ('nombre_titulaires', 'a.nombre_titulaires'),
        ('rapprochement', 'a.niveau_rapprochement'),
        ('categorie_entreprise', 'a.categorie_entreprise'),
        ('ess', 'a.is_ess'),
        ('siae', 'a.is_siae'),
    ]) }} as flags,
    a.source_file,
    a.source_row,
    a.classification_source_file as secondary_source_file,
    a.classification_source_row as secondary_source_row
from periods as p
inner join awards as a
    on
        p.org_id = a.org_id
        and a.date_notification between p.period_start and p.period_end

-- Lineage of the energy indicators (fct_energie_indicateurs), one line per organisation x
-- period x indicator x source row of its scope, with what the row adds to the numerator and
-- the denominator (columns as every fct_<feed>_indicateur_lignes, see _energie__models.yml).
-- IMP-1: every CEE dossier of the register; 1 in the numerator when valued in the period.
-- IMP-3: every site in service at the end of the period; its m2 in the denominator when its
--        connection is known, in the numerator when connected at the end of the period.
-- IMP-6: for each site x month of the period that has a reference, the consumption rows of the
--        month in the numerator (kWh PCI: a file row, or each meter reading behind a meter
--        month, see int_energie__releves_lignes) and the reference rows of the same site and
--        month of the year in the denominator. Value = 100 x (numerator - denominator) / denominator.
with periods as (select * from {{ ref('int_periodes') }}),

cee as (select * from {{ ref('fct_energie_cee') }}),

sites as (select * from {{ ref('dim_energie_sites') }}),

compared as (
    select
        p.org_id,
        p.period_type,
        p.period,
        c.code_site,
        c.mois
    from periods as p
    inner join {{ ref('fct_energie_comparaison_reference') }} as c
        on
            p.org_id = c.org_id
            and c.mois between p.period_start and p.period_end
    where c.has_reference
),

consumption as (
    select * from {{ ref('fct_energie_consommations') }}
    where exclusion_reason is null
),

reference as (
    select * from {{ ref('fct_energie_reference') }}
    where exclusion_reason is null
),

meter_readings as (select * from {{ ref('int_energie__releves_lignes') }}),

cee_lines as (
    select
        p.org_id,
        p.period_type,
        p.period,
        'IMP-1' as indicator_id,
        c.reference_cee as record_key,
        'dossier CEE du registre' as measure,
        'dossier' as unit,
        false as in_denominator,
        coalesce(c.is_valorise and c.date_valorisation between p.period_start and p.period_end, false)
            as in_numerator,
        {{ line_flags([
            ('date_valorisation', 'c.date_valorisation'),
            ('montant_eur', 'c.montant_eur', 'number'),
            ('date_extraction', 'c.date_extraction'),
        ]) }} as flags,
        c._source_file as source_file,
        c._source_row as source_row
    from periods as p
    inner join cee as c on p.org_id = c.org_id
),

site_lines as (
    select
        p.org_id,
        p.period_type,
        p.period,
        'IMP-3' as indicator_id,
        s.code_site as record_key,
        'site en service à la fin de la période' as measure,
        'm2' as unit,
        s.raccorde_reseau_chaleur is not null as in_denominator,
        coalesce(s.raccorde_reseau_chaleur and coalesce(s.date_raccordement <= p.period_end, true), false)
            as in_numerator,
        s.surface_m2,
        {{ line_flags([
            ('surface_m2', 's.surface_m2', 'number'),
            ('raccorde_reseau_chaleur', 's.raccorde_reseau_chaleur'),
            ('date_raccordement', 's.date_raccordement'),
        ]) }} as flags,
        s._source_file as source_file,
        s._source_row as source_row
    from periods as p
    inner join sites as s
        on
            p.org_id = s.org_id
            and coalesce(p.period_end >= s.date_entree, true)
            and coalesce(p.period_end < s.date_sortie, true)
),

consumption_lines as (
    -- consumption file rows
    select
        m.org_id,
        m.period_type,
        m.period,
        m.code_site || '|' || cast(m.mois as varchar) as record_key,
        'consommation du mois' as measure,
        f.kwh_pci as kwh,
        {{ line_flags([
            ('energie', 'f.energie'),
            ('quantite', 'f.quantite', 'number'),
            ('unite', 'f.unite'),
            ('facteur_kwh_pci', 'f.facteur_kwh_pci', 'number'),
            ('origine', 'f.origine'),
        ]) }} as flags,
        f._source_file as source_file,
        f._source_row as source_row,
        cast(null as varchar) as secondary_source_file,
        cast(null as bigint) as secondary_source_row
    from compared as m
    inner join consumption as f
        on
            m.org_id = f.org_id
            and m.code_site = f.code_site
            and m.mois = f.mois
    where f.flux = 'fichier'
    union all
    -- meter months: each reading behind the month, converted with the month's factor
    select
        m.org_id,
        m.period_type,
        m.period,
        m.code_site || '|' || cast(m.mois as varchar) as record_key,
        'consommation du mois (compteur)' as measure,
        r.quantite * f.facteur_kwh_pci as kwh,
        r.detail || '; facteur_kwh_pci=' || {{ double_to_text('f.facteur_kwh_pci') }} as flags,
        r._source_file as source_file,
        r._source_row as source_row,
        r.secondary_source_file,
        r.secondary_source_row
    from compared as m
    inner join consumption as f
        on
            m.org_id = f.org_id
            and m.code_site = f.code_site
            and m.mois = f.mois
    inner join meter_readings as r
        on
            f.origine = r.origine
            and f.mois = r.mois
            and f.unite = r.unite
    where f.flux = 'compteur'
),

reference_lines as (
    select
        m.org_id,
        m.period_type,
        m.period,
        m.code_site || '|' || cast(m.mois as varchar) as record_key,
        'référence du même mois' as measure,
        r.kwh_pci as kwh,
        {{ line_flags([
            ('annee_reference', 'r.annee_reference'),
            ('energie', 'r.energie'),
            ('quantite', 'r.quantite', 'number'),
            ('unite', 'r.unite'),
            ('facteur_kwh_pci', 'r.facteur_kwh_pci', 'number'),
        ]) }} as flags,
        r._source_file as source_file,
        r._source_row as source_row
    from compared as m
    inner join reference as r
        on
            m.org_id = r.org_id
            and m.code_site = r.code_site
            and extract(month from m.mois) = r.mois
)


{{ indicator_line(
    'indicator_id', 'record_key', 'measure', 'unit', 'in_denominator', 'in_numerator',
    numerator_value='case when in_numerator then 1.0 else 0.0 end',
    value_contribution='case when in_numerator then 1.0 else 0.0 end',
) }}
from cee_lines
union all
{{ indicator_line(
    'indicator_id', 'record_key', 'measure', 'unit', 'in_denominator', 'in_numerator',
    numerator_value='case when in_numerator then coalesce(surface_m2, 0) else 0 end',
    denominator_value='case when in_denominator then coalesce(surface_m2, 0) else 0 end',
) }}
from site_lines
union all
{{ indicator_line(
    "'IMP-6'", 'record_key', 'measure', "'kWh PCI'", in_denominator='false', in_numerator='true',
    numerator_value='kwh', denominator_value='0',
    secondary=('secondary_source_file', 'secondary_source_row'),
) }}
from consumption_lines
union all
{{ indicator_line(
    "'IMP-6'", 'record_key', 'measure', "'kWh PCI'", in_denominator='true', in_numerator='false',
    numerator_value='0', denominator_value='kwh',
) }}
from reference_lines

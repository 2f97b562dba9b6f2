-- Manual input values in force: one row per organisation x field x period. A later line for
-- the same field and period replaces the earlier one (later file by name, then later line);
-- lines_received says how many were sent.
with lines as (
    select
        *,
        row_number() over (
            partition by org_id, champ, periode
            order by _source_file desc, _source_row desc
        ) as rang,
        count(*) over (partition by org_id, champ, periode) as lines_received
    from {{ ref('stg_saisie__valeurs') }}
)

select
    l.org_id,
    l.champ,
    c.indicator_id,
    l.periode,
    l.periode_type,
    l.annee,
    l.valeur,
    l.unite,
    c.agregation,
    l.commentaire,
    l.saisi_par,
    l.date_saisie,
    l.lines_received,
    l._source_file,
    l._source_row
from lines as l
inner join {{ ref('saisie_champs') }} as c on l.champ = c.champ
where l.rang = 1

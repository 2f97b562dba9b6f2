-- Buyers seen in DECP, with their organisation when they belong to one.
with contracts as (select * from {{ ref('int_marches__classified') }}),

named as (
    select
        acheteur_id,
        {{ arg_max('acheteur_nom', 'date_notification', where='acheteur_nom is not null') }} as acheteur_nom
    from contracts
    group by acheteur_id
),

buyers as (select * from {{ ref('organisation_acheteurs') }})

select
    c.acheteur_id,
    coalesce(b.acheteur_nom, n.acheteur_nom) as acheteur_nom,
    b.org_id,
    {{ siret_is_valid('c.acheteur_id') }} as siret_valide,
    count(*) filter (where c.exclusion_reason is null) as nombre_marches,
    min(c.date_notification) as premiere_notification,
    max(c.date_notification) as derniere_notification
from contracts as c
left join buyers as b on c.acheteur_id = b.acheteur_siret
left join named as n on c.acheteur_id = n.acheteur_id
group by c.acheteur_id, b.acheteur_nom, n.acheteur_nom, b.org_id

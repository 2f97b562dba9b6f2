-- SPASER indicators computed from the marché feed, one row per organisation x period x
-- indicator, aggregated from the contract lines of marches_indicator_lines() (the same lines
-- auditors drill into). Each indicator has a scope (the contracts it is about), a denominator
-- (those of the scope whose input is known) and a numerator. Unknown is never counted as
-- "no": a contract published in the 2019 format (no considerations) or missing from the
-- internal export is left out, and an indicator with nothing known is not available, never 0.
{%- set no_contract = "'aucun marché notifié reçu (DECP) pour la période'" %}
{%- set no_considerations = "'considérations sociales et environnementales inconnues: "
    ~ "marchés publiés au format DECP 2019 ou sans ces champs (ils existent depuis le format 2024)'" %}
{%- set no_export = "'export interne des procédures absent pour les marchés de la période'" %}
{%- set export_blank = "'information non renseignée dans l''export interne pour les marchés concernés'" %}
{#- id: kind, needs the internal export, reason when nothing is known, label of the scope -#}
{%- set indicators = {
    'GOV-4': ('ratio', true, export_blank, 'marchés'),
    'BES-1': ('count', true, export_blank, 'marchés de la section de fonctionnement'),
    'BES-2': ('count', true, export_blank, 'marchés'),
    'BES-3': ('count', true, export_blank, 'marchés'),
    'BES-4': ('count', true, export_blank, 'marchés'),
    'BES-5': ('ratio', false, no_considerations, 'marchés'),
    'BES-9': ('ratio', true, export_blank, 'marchés'),
    'IMP-10': ('ratio', false, no_considerations, 'marchés du périmètre numérique responsable (CPV)'),
    'IMP-11': ('ratio', false, no_considerations, 'marchés'),
    'IMP-12': ('ratio', false, no_considerations, 'marchés'),
    'IMP-15': ('ratio', true, export_blank, 'marchés au-dessus du seuil d''analyse de la clause sociale'),
    'MOB-3': ('count', true, export_blank, 'marchés'),
    'MOB-4': ('ratio', true, no_considerations, 'marchés de la Direction de la Voirie'),
    'NAT-1': ('ratio', false, no_considerations, 'marchés'),
    'NAT-2': ('ratio', false, no_considerations, 'marchés'),
    'DEP-4': ('ratio', false, no_considerations, 'marchés au-dessus du seuil DEP-4'),
    'IMP-14': ('count', false, no_considerations, 'marchés en cours d''exécution pendant la période'),
} %}

with periods as (
    select * from {{ ref('int_periodes') }}
),

lines as (
    {{ marches_indicator_lines() }}
),

-- contracts notified in each period, and how many the internal export covers
notified as (
    select
        p.org_id,
        p.period_type,
        p.period,
        count(c.contrat_key) as n_contracts,
        count(*) filter (where c.has_procedure_interne) as n_internal
    from periods as p
    left join {{ ref('fct_marches') }} as c
        on
            p.org_id = c.org_id
            and c.date_notification between p.period_start and p.period_end
    group by p.org_id, p.period_type, p.period
),

per_indicator as (
    select
        org_id,
        period_type,
        period,
        indicator_id,
        count(*) as n_scope,
        count(*) filter (where in_denominator) as n_known,
        count(*) filter (where in_numerator) as n_yes
    from lines
    group by org_id, period_type, period, indicator_id
),

catalogue as (
    {%- for id, spec in indicators.items() %}
        select
            '{{ id }}' as indicator_id,
            '{{ spec[0] }}' as value_kind,
            {{ spec[1] }} as needs_export,
            {{ spec[2] }} as unknown_reason,
            'aucun marché dans le périmètre de l''indicateur ({{ spec[3] }})' as no_scope_reason
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

measures as (
    select
        n.org_id,
        n.period_type,
        n.period,
        c.indicator_id,
        c.value_kind,
        coalesce(i.n_yes, 0) as numerator,
        coalesce(i.n_known, 0) as denominator,
        coalesce(i.n_scope, 0) as source_rows,
        case
            when c.indicator_id = 'IMP-14' and i.n_scope is null
                then 'aucun marché en cours d''exécution pendant la période'
            when c.indicator_id != 'IMP-14' and n.n_contracts = 0 then {{ no_contract }}
            when c.needs_export and n.n_internal = 0 then {{ no_export }}
            when i.n_scope is null then c.no_scope_reason
            when i.n_known = 0 then c.unknown_reason
        end as unavailable_reason
    from notified as n
    cross join catalogue as c
    left join per_indicator as i
        on
            n.org_id = i.org_id
            and n.period_type = i.period_type
            and n.period = i.period
            and c.indicator_id = i.indicator_id
)

{{ indicator_output('measures') }}

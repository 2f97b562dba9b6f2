{#- The marché indicators, contract by contract: for every organisation x period x indicator,
    one line per contract of the indicator's scope with in_denominator (its input is known) and
    in_numerator. int_indicateurs__marches aggregates these lines and
    int_marches__indicateur_lignes publishes them for auditors, so the published value and its
    drill-down come from one definition.

    Per indicator: id, scope condition, known condition, numerator condition, flags shown to
    the auditor. IMP-14 counts contracts running during the period; the others contracts
    notified in it. -#}


{%- macro marches_indicator_lines() -%}
    {#- the considerations lists of fct_marches (nested: DuckDB list, PostgreSQL jsonb) as text -#}
    {%- set env_text = list_to_text('considerations_environnementales') %}
    {%- set soc_text = list_to_text('considerations_sociales') %}
    {%- set amount_text = double_to_text('montant_initial') %}
    {%- set definitions = [
        ('GOV-4', 'true', 'label_spaser is not null', 'label_spaser', "'label_spaser=' || coalesce(cast(label_spaser as varchar), 'inconnu')"),
        ('BES-1', "section_budgetaire = 'fonctionnement'", 'sourcing_realise is not null', 'sourcing_realise', "'section=fonctionnement; sourcing_realise=' || coalesce(cast(sourcing_realise as varchar), 'inconnu')"),
        ('BES-2', 'true', 'negociation_realisee is not null', 'negociation_realisee', "'negociation_realisee=' || coalesce(cast(negociation_realisee as varchar), 'inconnu')"),
        ('BES-3', 'true', 'clause_progres is not null', 'clause_progres', "'clause_progres=' || coalesce(cast(clause_progres as varchar), 'inconnu')"),
        ('BES-4', 'true', 'analyse_cycle_vie is not null', 'analyse_cycle_vie', "'analyse_cycle_vie=' || coalesce(cast(analyse_cycle_vie as varchar), 'inconnu')"),
        ('BES-5', 'true', 'has_consideration_environnementale is not null', 'has_consideration_environnementale', "'considerations_environnementales=' || coalesce(" ~ env_text ~ ", 'inconnues')"),
        ('BES-9', 'true', 'fiche_type_considerations_sociales is not null', 'fiche_type_considerations_sociales', "'fiche_type_considerations_sociales=' || coalesce(cast(fiche_type_considerations_sociales as varchar), 'inconnu')"),
        ('IMP-10', 'perimetre_numerique', 'has_consideration_environnementale is not null', 'has_consideration_environnementale', "'cpv=' || code_cpv || '; considerations_environnementales=' || coalesce(" ~ env_text ~ ", 'inconnues')"),
        ('IMP-11', 'true', 'has_consideration_sociale is not null', 'has_clause_sociale', "'considerations_sociales=' || coalesce(" ~ soc_text ~ ", 'inconnues')"),
        ('IMP-12', 'true', 'has_consideration_sociale is not null', 'has_consideration_sociale', "'considerations_sociales=' || coalesce(" ~ soc_text ~ ", 'inconnues')"),
        ('IMP-15', 'above_imp15', 'analyse_opportunite_clause_sociale is not null', 'analyse_opportunite_clause_sociale', "'montant_initial=' || " ~ amount_text ~ " || '; analyse_opportunite_clause_sociale=' || coalesce(cast(analyse_opportunite_clause_sociale as varchar), 'inconnu')"),
        ('MOB-3', 'true', 'criteres_numerique_responsable is not null', 'criteres_numerique_responsable', "'criteres_numerique_responsable=' || coalesce(cast(criteres_numerique_responsable as varchar), 'inconnu')"),
        ('MOB-4', 'is_voirie', 'has_consideration_environnementale is not null', 'has_consideration_environnementale', "'direction=' || direction || '; considerations_environnementales=' || coalesce(" ~ env_text ~ ", 'inconnues')"),
        ('NAT-1', 'true', 'has_consideration_environnementale is not null', 'has_consideration_environnementale', "'considerations_environnementales=' || coalesce(" ~ env_text ~ ", 'inconnues')"),
        ('NAT-2', 'true', 'has_consideration_sociale is not null', 'has_consideration_sociale', "'considerations_sociales=' || coalesce(" ~ soc_text ~ ", 'inconnues')"),
        ('DEP-4', 'above_dep4', 'has_clause_sociale is not null', 'has_clause_sociale', "'montant_initial=' || " ~ amount_text ~ " || '; considerations_sociales=' || coalesce(" ~ soc_text ~ ", 'inconnues')"),
        ('IMP-14', 'true', 'has_consideration_sociale is not null', 'is_marche_reserve or has_clause_sociale', "'en cours du ' || cast(date_notification as varchar) || ' au ' || coalesce(cast(date_fin_prevue as varchar), '?') || '; considerations_sociales=' || coalesce(" ~ soc_text ~ ", 'inconnues')"),
    ] %}
    with periods as (
        select * from {{ ref('int_periodes') }}
    ),

    contracts as (
        select
            c.*,
            c.montant_plausible
            and c.montant_initial > {{ param('c.org_id', 'seuil_analyse_clause_sociale_eur') }} as above_imp15,
            c.montant_plausible
            and c.montant_initial > {{ param('c.org_id', 'seuil_clause_sociale_dep4_eur') }} as above_dep4,
            coalesce(c.direction = {{ param('c.org_id', 'direction_voirie', 'varchar') }}, false) as is_voirie
        from {{ ref('fct_marches') }} as c
        where c.org_id is not null
    ),

    notified as (
        select
            p.period_type,
            p.period,
            c.*
        from periods as p
        inner join contracts as c
            on
                p.org_id = c.org_id
                and c.date_notification between p.period_start and p.period_end
    ),

    running as (
        select
            p.period_type,
            p.period,
            c.*
        from periods as p
        inner join contracts as c
            on
                p.org_id = c.org_id
                and c.date_notification <= p.period_end
                and coalesce(c.date_fin_prevue, c.date_notification) >= p.period_start
    )

    {% for id, scope, known, numerator, flags in definitions %}
        select
            org_id,
            period_type,
            period,
            '{{ id }}' as indicator_id,
            contrat_key,
            coalesce({{ known }}, false) as in_denominator,
            coalesce({{ known }} and ({{ numerator }}), false) as in_numerator,
            {{ flags }} as flags,
            _source_file,
            _source_row,
            procedures_source_file,
            procedures_source_row
        from {{ 'running' if id == 'IMP-14' else 'notified' }}
        where coalesce({{ scope }}, false)
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{%- endmacro -%}

{#- The one definition of each marché indicator, shared by the organisation's indicators
    (marches_indicator_lines: fct_marches_indicateurs, fct_marches_indicateur_lignes) and the
    national observatory (models/observatory/): editing a condition here changes both.

    Per indicator: id, scope condition, known condition, numerator condition, flags shown to
    the auditor, over the columns of fct_marches plus the scope columns of
    marches_scope_columns(). -#}


{%- macro marches_indicator_definitions() -%}
    {#- the considerations lists of fct_marches (nested: DuckDB list, PostgreSQL jsonb) as text -#}
    {%- set env_text = list_to_text('considerations_environnementales') %}
    {%- set soc_text = list_to_text('considerations_sociales') %}
    {%- set amount_text = double_to_text('montant_initial') %}
    {%- do return([
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
    ]) -%}
{%- endmacro -%}


{#- Indicators only the observatory publishes (not in the SPASER catalogue), same layout. -#}
{%- macro observatory_indicator_definitions() -%}
    {%- set soc_text = list_to_text('considerations_sociales') %}
    {%- do return([
        ('MAR-RES', 'true', 'has_consideration_sociale is not null', 'is_marche_reserve', "'considerations_sociales=' || coalesce(" ~ soc_text ~ ", 'inconnues')"),
    ]) -%}
{%- endmacro -%}


{#- A contract above an amount threshold (IMP-15, DEP-4): a plausible initial amount over it. -#}
{%- macro marches_amount_above(threshold, alias='c') -%}
    {{ alias }}.montant_plausible and {{ alias }}.montant_initial > {{ threshold }}
{%- endmacro -%}


{#- The observatory's minimum number of contracts (with known input) for a figure to be
    ranked: configuration (orchestration/observatory, var observatoire_min_marches), never SQL. -#}
{%- macro observatory_min_contracts() -%}
    {%- set minimum = var('observatoire_min_marches', none) -%}
    {%- if minimum is none and execute -%}
        {{ exceptions.raise_compiler_error(
            "var observatoire_min_marches is required (spaser observatoire passes it from the configuration)") }}
    {%- endif -%}
    {{ minimum if minimum is not none else 0 }}
{%- endmacro -%}


{#- The sums an observatory row is built from, over the buyer rows of its group (a
    département, a kind of buyer, the nation): counts in integers, amounts exactly. -#}
{%- macro observatory_sums() -%}
    {{ int_sum('n_marches') }} as n_marches,
    {{ int_sum('n_connus') }} as n_connus,
    {{ int_sum('n_oui') }} as n_oui,
    {{ exact_sum('montant_connus') }} as montant_connus,
    {{ exact_sum('montant_oui') }} as montant_oui,
    {{ int_sum('n_enregistrements') }} as n_enregistrements,
    {{ int_sum('n_exclus_qualite') }} as n_exclus_qualite
{%- endmacro %}

{#- The figures of an observatory row from its sums (n_connus, n_oui, montant_connus,
    montant_oui, n_enregistrements, n_exclus_qualite): both values, the quality share, the
    status, and the rank among the rows of `partition` that are ranked. -#}
{#- An observatory row's values from its sums (columns of `relation`, a table alias or none):
    by number, by amount, and the share excluded for quality. The amount value is rounded to
    1e-10: 100.0 * montant_oui / montant_connus can read 100.00000000000001 for a buyer whose
    every known contract counts (the published Data Package bounds a percentage by 100; seen at
    1.5 million contracts). -#}
{%- macro observatory_values(relation=none) -%}
    {%- set r = relation ~ '.' if relation else '' -%}
    case when {{ r }}n_connus > 0 then 100.0 * {{ r }}n_oui / {{ r }}n_connus end as valeur_pct,
    round(case when {{ r }}montant_connus > 0 then 100.0 * {{ r }}montant_oui / {{ r }}montant_connus end, 10)
        as valeur_montant_pct,
    case
        when {{ r }}n_enregistrements > 0 then 100.0 * {{ r }}n_exclus_qualite / {{ r }}n_enregistrements
    end as part_exclus_qualite_pct
{%- endmacro %}

{%- macro observatory_figures(partition) -%}
    {{ observatory_values() }},
    case
        when n_connus = 0 then 'non disponible'
        when n_connus < {{ observatory_min_contracts() }} then 'trop peu de marchés'
        else 'classé'
    end as statut,
    case
        when n_connus >= greatest({{ observatory_min_contracts() }}, 1)
            then rank() over (
                partition by {{ partition }}, n_connus >= greatest({{ observatory_min_contracts() }}, 1)
                order by 1.0 * n_oui / nullif(n_connus, 0) desc
            )
    end as rang,
    count(*) filter (where n_connus >= greatest({{ observatory_min_contracts() }}, 1)) over (
        partition by {{ partition }}
    ) as n_classes
{%- endmacro -%}

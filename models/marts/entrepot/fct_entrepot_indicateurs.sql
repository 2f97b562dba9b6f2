-- Governance indicators measured on the warehouse's own releases (publication.releases).
-- A release is judged once it exists, so each period looks back:
-- GOV-2 (annual report done): in year Y (semester or year row), the previous year's second
--   semester was released: the complete figures the annual report of Y-1 rests on.
-- GOV-3 (dashboard updated every semester): for a semester, the previous semester was
--   released; semestrial by nature, so not available on year rows.
-- Values are 1 (oui) or 0 (non); not available when the judged semester precedes the
-- organisation's first semester. The values are the aggregation of their lines
-- (fct_entrepot_indicateur_lignes: one line per judged semester, where each is defined).
with periods as (select * from {{ ref('int_periodes') }}),

organisations as (select * from {{ ref('organisations') }}),

judged as (
    {{ governance_judged_semesters() }}
),

lines as (select * from {{ ref('fct_entrepot_indicateur_lignes') }})

{%- set reason = "
    when x.judged_semester is null then 'indicateur semestriel: voir les lignes des semestres'
    when j.n_lines = 0
        then 'semestre ' || x.judged_semester || ' antérieur au premier semestre suivi par l''entrepôt'" %}

{{ indicators_from_lines(
    'lines', context='judged', context_by_indicator=true,
    reasons={'GOV-2': reason, 'GOV-3': reason},
    source_rows={'GOV-2': '1', 'GOV-3': '1'}
) }}

-- Lineage of the marché indicators: for every organisation x period x indicator, the
-- contracts in its scope, whether each counts in the denominator and the numerator (1 or 0 in
-- numerator_value / denominator_value; a count indicator's value is its numerator), the flags
-- it was judged on, and its source rows (DECP file and record, internal export file and line).
-- Columns as every fct_<feed>_indicateur_lignes; defined in marches_indicator_lines(), which
-- fct_marches_indicateurs aggregates.
{{ marches_indicator_lines() }}

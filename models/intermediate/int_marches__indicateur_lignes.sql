-- Lineage of the marché indicators: for every organisation x period x indicator, the
-- contracts in its scope, whether each counts in the denominator and the numerator, the flags
-- it was judged on, and its source rows (DECP file and record, internal export file and line).
{{ marches_indicator_lines() }}

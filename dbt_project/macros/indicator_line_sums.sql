{#- The exact sums of indicators_from_lines (exact_sum), per indicator id (a CASE on the group's
    indicator_id) rounded half away from zero to sum_digits (one number, or one per id); the
    denominator sums the lines in_denominator only. Returns {column: SQL}. -#}
{% macro indicator_line_sums(ids, sum_digits) -%}
    {%- set sums = {} %}
    {%- for column, term, where in [
        ('numerator', 'numerator_value', none),
        ('denominator', 'denominator_value', 'in_denominator'),
        ('value_sum', 'value_contribution', none),
    ] %}
        {%- set by_id = [] %}
        {%- for id in ids %}{% do by_id.append("when '" ~ id ~ "' then " ~ exact_sum(
            term, sum_digits[id] if sum_digits is mapping else sum_digits, where=where
        )) %}{% endfor %}
        {%- do sums.update({column: 'case indicator_id ' ~ by_id | join(' ') ~ ' end'}) %}
    {%- endfor %}
    {{- return(sums) }}
{%- endmacro %}

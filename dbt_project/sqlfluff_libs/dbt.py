"""The dbt cross-database macros the models use, rendered as dbt-duckdb renders them."""


def position(substring_text, string_text):
    return f"position({substring_text} in {string_text})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + cast({interval} as bigint) * interval 1 {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', cast({first_date} as timestamp), cast({second_date} as timestamp))"


def split_part(string_text, delimiter_text, part_number):
    return f"split_part({string_text}, {delimiter_text}, {part_number})"

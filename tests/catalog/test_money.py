"""Money as people type and read it: one formatter, one parser, one form field (catalog/money.py)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from catalog.models import Currency
from catalog.money import MoneyField, money_format, money_parse, money_plain
from catalog.templatetags.catalog_tags import money


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (131899, "USD", "$1,318.99"),
        (2499, "EUR", "€24.99"),
        (5, "GBP", "£0.05"),
        (100000000, "CAD", "CA$1,000,000.00"),
        (0, "USD", "$0.00"),
        (-1250, "USD", "-$12.50"),
        (2499, "CHF", "24.99 CHF"),
        (None, "USD", ""),
    ],
)
def test_amounts_read_as_money_in_their_currency(minor, currency, shown):
    assert money_format(minor, currency) == shown


def test_every_currency_sold_in_has_its_symbol():
    assert all(money_format(100, code).endswith("1.00") for code in Currency.values)
    assert [money_format(100, code)[0] for code in ("USD", "EUR", "GBP")] == ["$", "€", "£"]


def test_the_template_filter_is_the_same_formatter():
    assert money is money_format


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("24.99", 2499), ("24.9", 2490), ("24", 2400), ("0", 0), ("1,299.00", 129900), (" 5.5 ", 550)],
)
def test_typed_amounts_are_read_in_major_units(typed, minor):
    assert money_parse(typed) == minor


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "'abc' is not a price; write it like 19.99."),
        ("-1", "'-1' is not a price of 0 or more."),
        ("1.234", "'1.234' has more than two decimal places."),
        ("19,99", "'19,99' is not a price; write it like 19.99."),
        ("1e3", "'1e3' is not a price; write it like 19.99."),
        ("$5", "'$5' is not a price; write it like 19.99."),
        ("99999999", "Too large: at most 10000000.00."),
        ("", "Enter a price such as 19.99."),
    ],
)
def test_anything_but_a_plain_amount_is_refused_with_a_message(typed, message):
    with pytest.raises(ValidationError) as caught:
        money_parse(typed)
    assert caught.value.messages == [message]


def test_plain_amounts_round_trip():
    for minor in (0, 1, 99, 100, 2499, 131899, 10_000_000_00):
        assert money_parse(money_plain(minor)) == minor


class PriceForm(forms.Form):
    price = MoneyField()
    was = MoneyField(required=False)


def test_the_form_field_shows_minor_units_as_typed_money():
    html = str(PriceForm(initial={"price": 2499, "was": None})["price"])
    assert 'value="24.99"' in html and 'inputmode="decimal"' in html


def test_the_form_field_reads_money_into_minor_units():
    form = PriceForm(data={"price": "24.99", "was": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"price": 2499, "was": None}


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("abc", "'abc' is not a price; write it like 19.99."),
        ("-1", "'-1' is not a price of 0 or more."),
        ("1.234", "'1.234' has more than two decimal places."),
        ("", "This field is required."),
        ("   ", "This field is required."),
    ],
)
def test_the_form_field_gives_a_field_error_and_keeps_what_was_typed(typed, error):
    form = PriceForm(data={"price": typed, "was": ""})
    assert not form.is_valid()
    assert form.errors["price"] == [error]
    if typed.strip():
        assert f'value="{typed}"' in str(form["price"])


def test_an_unchanged_amount_is_not_a_change():
    form = PriceForm(data={"price": "24.90", "was": ""}, initial={"price": 2490, "was": None})
    assert form.changed_data == []

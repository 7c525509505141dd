"""Money as people type and read it. Amounts are stored as integers in minor units (2499) with a
currency; a person types "24.99" and reads "$24.99".

- `money_format(131899, "USD")` -> "$1,318.99": how every page and admin list shows an amount
  (the `|money` template filter is this function).
- `money_parse("24.99")` -> 2499: how every typed amount is read, in the Shopping Manager's forms
  (`MoneyField`) and in the catalog CSV, with the same messages for a bad amount.
- `money_plain(2499)` -> "24.99": an amount as it is typed, in a form field or a CSV cell.

Every currency Liveshop sells in (catalog.models.Currency) has two minor digits.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$"}
# A PositiveIntegerField holds at most 2**31 - 1 on PostgreSQL; stay well below it.
MAX_AMOUNT = 10_000_000_00
# 19.99, 1299, 1,299.00: digits, optional thousands commas, optional cents after a dot.
AMOUNT_PATTERN = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?")


def money_format(minor: int | None, currency: str = "USD") -> str:
    """1999, "USD" -> "$19.99"; 131899, "EUR" -> "€1,318.99"; None -> ""."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(int(minor)), 100)
    amount = f"{units:,}.{cents:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}".strip()


def money_plain(minor: int | None) -> str:
    """2499 -> "24.99", as a person types it (no symbol, no thousands separator); None -> ""."""
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(int(minor)), 100)
    return f"{sign}{units}.{cents:02d}"


def money_parse(text: str) -> int:
    """ "24.99" -> 2499 (also "24.9", "24", "1,299.00"). Raises ValidationError with a message for a
    person when `text` is empty, not a plain amount, negative, too precise or too large."""
    text = text.strip()
    if not text:
        raise ValidationError("Enter a price such as 19.99.", code="required")
    number = text.removeprefix("-")
    # Only plain decimals: no exponents, no "19,99" (which would silently mean 1999).
    if not AMOUNT_PATTERN.fullmatch(number) or not any(c.isdigit() for c in number):
        raise ValidationError(f"'{text}' is not a price; write it like 19.99.", code="invalid")
    if number != text:
        raise ValidationError(f"'{text}' is not a price of 0 or more.", code="negative")
    amount = Decimal(number.replace(",", ""))
    if amount * 100 > MAX_AMOUNT:
        raise ValidationError(f"Too large: at most {money_plain(MAX_AMOUNT)}.", code="too_large")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"'{text}' has more than two decimal places.", code="precision")
    return int(amount * 100)


class MoneyInput(forms.TextInput):
    """A text box for an amount: phones show a keypad with a decimal point."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "size": 10, "class": "money", **(attrs or {})})

    def format_value(self, value):
        # An amount from the database (minor units) shows as typed; what the person typed (a
        # string, when the form comes back with an error) shows as it was.
        return money_plain(value) if isinstance(value, int) else super().format_value(value)


class MoneyField(forms.Field):
    """A form field for an amount stored in minor units: shows 2499 as "24.99", reads "24.99" as
    2499 (see money_parse), and gives a field error for anything else."""

    widget = MoneyInput

    def to_python(self, value):
        if isinstance(value, int):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        return money_parse(str(value))

    def prepare_value(self, value):
        return money_plain(value) if isinstance(value, int) else value

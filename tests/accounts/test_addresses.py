"""The address a viewer ships to, saved for their next checkout: read back keyed like the checkout
contact form, one per viewer, checked before it is kept."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from accounts import selectors, services
from accounts.models import SavedAddress
from checkout.forms import ContactForm
from tests.checkout.conftest import CONTACT


@pytest.fixture
def ada(make_buyer):
    return make_buyer("ada")


def test_a_viewer_without_a_saved_address_has_none(ada):
    assert selectors.saved_address(ada) is None
    assert selectors.saved_address(AnonymousUser()) is None


def test_a_saved_address_comes_back_keyed_like_the_checkout_form(ada):
    services.address_save(ada, {**CONTACT, "email": "ignored@example.com"})

    saved = selectors.saved_address(ada)

    assert set(ContactForm.base_fields) <= set(saved)
    assert saved == {
        "email": "ada@example.com",  # the account's own address
        "shipping_name": "Ada Lovelace",
        "shipping_line1": "12 Analytical Row",
        "shipping_line2": "",
        "shipping_city": "London",
        "shipping_region": "",
        "shipping_postal_code": "N1 9GU",
        "shipping_country": "GB",
        "shipping_phone": "",
    }
    # it fills the checkout form as it is
    assert ContactForm(saved).is_valid()


def test_saving_again_replaces_the_address(ada):
    services.address_save(ada, CONTACT)
    services.address_save(
        ada,
        {**CONTACT, "shipping_line1": "1 New Street", "shipping_phone": "+44 20 7946 0958"},
    )

    assert SavedAddress.objects.filter(user=ada).count() == 1
    saved = selectors.saved_address(ada)
    assert saved["shipping_line1"] == "1 New Street"
    assert saved["shipping_phone"] == "+44 20 7946 0958"


def test_each_viewer_reads_only_their_own_address(ada, make_buyer):
    bob = make_buyer("bob")
    services.address_save(ada, CONTACT)

    assert selectors.saved_address(bob) is None


def test_spaces_are_tidied_and_the_country_is_upper_case(ada):
    services.address_save(
        ada, {**CONTACT, "shipping_name": "  Ada   Lovelace ", "shipping_country": "gb"}
    )

    saved = selectors.saved_address(ada)
    assert saved["shipping_name"] == "Ada Lovelace"
    assert saved["shipping_country"] == "GB"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shipping_name": ""}, "shipping_name"),
        ({"shipping_line1": "   "}, "shipping_line1"),
        ({"shipping_city": None}, "shipping_city"),
        ({"shipping_postal_code": "x" * 21}, "shipping_postal_code"),
        ({"shipping_country": "GBR"}, "shipping_country"),
        ({"shipping_phone": "1" * 40}, "shipping_phone"),
    ],
)
def test_a_bad_address_is_refused_per_field_and_nothing_is_saved(ada, change, field):
    with pytest.raises(ValidationError) as refused:
        services.address_save(ada, {**CONTACT, **change})

    assert field in refused.value.message_dict
    assert not SavedAddress.objects.exists()


def test_a_guest_has_no_address_to_save(db):
    with pytest.raises(ValueError):
        services.address_save(AnonymousUser(), CONTACT)

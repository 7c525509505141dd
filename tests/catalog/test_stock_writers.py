"""Stock has one writer: catalog/stock.py.

The Shopping Manager (the variant change form, the product page's variant rows, the variant list's
editable stock column) and the CSV import change a variant's other columns without ever writing
`reserved`, and set stock on hand with one conditional UPDATE that refuses to go below the units
shoppers hold. Each writer is raced against a shopper's reservation: deterministically, the
reservation landing exactly between the owner's edit being read and being saved, and with real
threads on PostgreSQL.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog import catalog_csv, stock
from catalog.admin.variants import VariantAdmin
from catalog.catalog_csv import COLUMNS, CatalogImportError, RowError, catalog_import_csv
from catalog.models import Variant
from catalog.money import money_plain
from checkout import inventory
from checkout.models import Order, Reservation
from events.models import Platform
from tests.checkout.conftest import CONTACT, run_before_query, run_in_threads

HELD_MESSAGE = "3 unit(s) are reserved by shoppers paying now"


@pytest.fixture
def lamp(merchant_a, make_product) -> Variant:
    """Merchant A's desk lamp: one variant, 3 units at 20.00, none held."""
    product = make_product(
        merchant_a,
        "Desk Lamp",
        variants=[{"sku": "LAMP-1", "price": 2000, "stock_on_hand": 3, "color": "Brass"}],
    )
    return product.variants.get()


@pytest.fixture
def owner(merchant_a, make_staff):
    return make_staff(merchant_a)


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


def hold(variant: Variant, quantity: int) -> Order:
    """A shopper starts paying for `quantity` units: an order and its reservation."""
    until = timezone.now() + timedelta(minutes=10)
    with transaction.atomic():
        order = Order.objects.create(
            merchant_id=variant.merchant_id,
            platform=Platform.DESKTOP,
            currency="USD",
            total=0,
            payment_provider="test",
            reserved_until=until,
            **CONTACT,
        )
        inventory.reserve(order=order, quantities={variant.pk: quantity}, until=until)
    return order


def counts(variant: Variant) -> dict:
    variant.refresh_from_db()
    held = Reservation.objects.filter(variant=variant, state=Reservation.State.HELD)
    return {
        "on_hand": variant.stock_on_hand,
        "reserved": variant.reserved,
        "held_by_reservations": held.aggregate(units=Sum("quantity"))["units"] or 0,
        "price": variant.price,
    }


def in_another_connection(work):
    """`work` as another database session would do it: in a thread with its own connection,
    committed before this returns. Called at an exact step, it is a deterministic race."""

    def run():
        [outcome] = run_in_threads(1, lambda n: work())
        if isinstance(outcome, Exception):
            raise outcome

    return run


def page(response) -> str:
    return response.content.decode()


# --- The four writers, as an owner uses them -------------------------------------------------------
# Each takes the variant as the owner's browser showed it, and the price and stock they typed.


def variant_change_form(client, variant, *, price, stock_on_hand):
    return client.post(
        reverse("admin:catalog_variant_change", args=[variant.pk]),
        {
            "product": variant.product_id,
            "sku": variant.sku,
            "size": variant.size,
            "color": variant.color,
            "price": money_plain(price),
            "compare_at_price": "",
            "currency": variant.currency,
            "stock_on_hand": str(stock_on_hand),
            "position": str(variant.position),
        },
    )


def product_page_inline(client, variant, *, price, stock_on_hand):
    product = variant.product
    data = {
        "title": product.title,
        "slug": product.slug,
        "description": product.description,
        "category": product.category,
        "status": product.status,
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": variant.sku,
        "variants-0-size": variant.size,
        "variants-0-color": variant.color,
        "variants-0-price": money_plain(price),
        "variants-0-compare_at_price": "",
        "variants-0-currency": variant.currency,
        "variants-0-stock_on_hand": str(stock_on_hand),
        "variants-0-position": str(variant.position),
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    return client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)


def variant_list_editable(client, variant, *, price, stock_on_hand):
    # Only the stock column is editable in the variant list; the price stays as it is.
    return client.post(
        reverse("admin:catalog_variant_changelist"),
        {
            "_save": "Save",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": variant.pk,
            "form-0-stock_on_hand": str(stock_on_hand),
        },
    )


def csv_import(client, variant, *, price, stock_on_hand):
    return client.post(
        reverse("admin:catalog_product_import_csv"),
        {"file": SimpleUploadedFile("catalog.csv", csv_file(variant, price, stock_on_hand))},
    )


def csv_file(variant, price, stock_on_hand) -> bytes:
    product = variant.product
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            product.slug,
            product.title,
            product.category,
            product.status,
            product.description,
            variant.sku,
            variant.size,
            variant.color,
            f"{price / 100:.2f}",
            "",
            variant.currency,
            stock_on_hand,
        ]
    )
    return out.getvalue().encode()


WRITERS = [
    pytest.param(variant_change_form, id="change-form"),
    pytest.param(product_page_inline, id="product-inline"),
    pytest.param(variant_list_editable, id="list-editable"),
    pytest.param(csv_import, id="csv-import"),
]
PRICE_WRITERS = [w for w in WRITERS if w.values[0] is not variant_list_editable]


def expected_price(writer, typed: int, before: int) -> int:
    return before if writer is variant_list_editable else typed


def assert_saved(response):
    assert response.status_code == 302, page(response)


def assert_refused(response, writer):
    """The owner sees why, on the page they submitted; no 500."""
    assert response.status_code == 200
    text = page(response)
    assert HELD_MESSAGE in text
    if writer is csv_import:
        assert "nothing was imported" in text
    else:
        assert "Please correct the error" in text


# --- catalog/stock.py ------------------------------------------------------------------------------


def test_set_on_hand_sets_the_merchants_count(lamp):
    stock.set_on_hand(variant_id=lamp.pk, on_hand=7)

    assert counts(lamp)["on_hand"] == 7


def test_set_on_hand_below_the_held_units_is_refused_and_changes_nothing(lamp):
    hold(lamp, 2)

    with pytest.raises(stock.StockBelowReserved) as refused:
        stock.set_on_hand(variant_id=lamp.pk, on_hand=1)

    assert (refused.value.variant_id, refused.value.on_hand, refused.value.reserved) == (
        lamp.pk,
        1,
        2,
    )
    assert refused.value.messages == [
        "2 unit(s) are reserved by shoppers paying now; stock on hand can be 2 or more."
    ]
    assert counts(lamp) == {"on_hand": 3, "reserved": 2, "held_by_reservations": 2, "price": 2000}


def test_set_on_hand_to_exactly_the_held_units_leaves_none_to_buy(lamp):
    hold(lamp, 2)

    stock.set_on_hand(variant_id=lamp.pk, on_hand=2)

    lamp.refresh_from_db()
    assert (lamp.stock_on_hand, lamp.reserved, lamp.available) == (2, 2, 0)


def test_set_on_hand_racing_a_reservation_is_refused_when_the_units_got_held(lamp):
    # when a shopper holds all 3 units exactly before the owner's "2 on hand" is written
    with (
        run_before_query('UPDATE "catalog_variant"', lambda: hold(lamp, 3)),
        pytest.raises(stock.StockBelowReserved),
    ):
        stock.set_on_hand(variant_id=lamp.pk, on_hand=2)

    # then the shopper keeps the units, and stock never went below them
    assert counts(lamp)["on_hand"] == 3
    assert counts(lamp)["reserved"] == 3


def test_a_reservation_racing_a_lower_count_is_refused_when_the_units_are_gone(lamp):
    order = Order.objects.create(
        merchant_id=lamp.merchant_id,
        platform=Platform.DESKTOP,
        currency="USD",
        total=0,
        payment_provider="test",
        reserved_until=timezone.now() + timedelta(minutes=10),
        **CONTACT,
    )

    # when the owner counts 1 unit exactly before the shopper's hold of 2 is written
    with (
        run_before_query(
            'UPDATE "catalog_variant"', lambda: stock.set_on_hand(variant_id=lamp.pk, on_hand=1)
        ),
        pytest.raises(inventory.OutOfStock),
    ):
        inventory.reserve(order=order, quantities={lamp.pk: 2}, until=order.reserved_until)

    assert (counts(lamp)["on_hand"], counts(lamp)["reserved"]) == (1, 0)


def test_saving_other_fields_never_writes_the_stock_columns(lamp):
    stale = Variant.objects.get(pk=lamp.pk)
    hold(lamp, 3)
    stale.price, stale.stock_on_hand, stale.reserved = 2500, 99, 0

    stock.variant_update(variant=stale, fields=["price", "reserved"])

    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2500}


# --- Saving other fields keeps the units shoppers hold ---------------------------------------------


@pytest.mark.parametrize("writer", PRICE_WRITERS)
def test_changing_the_price_keeps_the_units_a_shopper_holds_meanwhile(writer, owner_client, lamp):
    # given an owner changing the lamp's price, stock left at 3
    # when a shopper holds all 3 units between the edit being read and being saved
    with run_before_query('UPDATE "catalog_variant"', lambda: hold(lamp, 3)):
        response = writer(owner_client, lamp, price=2500, stock_on_hand=3)

    # then the price changed and the 3 units are still held: nobody else can buy them
    assert_saved(response)
    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2500}


@pytest.mark.parametrize("writer", WRITERS)
def test_raising_stock_keeps_the_units_a_shopper_holds_meanwhile(writer, owner_client, lamp):
    # when the owner raises stock to 5 while a shopper holds 3 units between read and save
    with run_before_query('UPDATE "catalog_variant"', lambda: hold(lamp, 3)):
        response = writer(owner_client, lamp, price=2500, stock_on_hand=5)

    # then 5 are on hand, 3 of them held, 2 left to buy
    assert_saved(response)
    assert counts(lamp) == {
        "on_hand": 5,
        "reserved": 3,
        "held_by_reservations": 3,
        "price": expected_price(writer, 2500, 2000),
    }


@pytest.mark.parametrize("writer", WRITERS)
def test_changing_stock_tells_live_shows(
    writer, owner_client, lamp, monkeypatch, django_capture_on_commit_callbacks
):
    told = []
    monkeypatch.setattr(
        "catalog.signals.stock_changed.send",
        lambda sender, product_ids: told.append(set(product_ids)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert_saved(writer(owner_client, lamp, price=2000, stock_on_hand=8))

    assert told == [{lamp.product_id}]
    assert counts(lamp)["on_hand"] == 8


# --- Stock below the held units: a form error or a CSV row error, never a 500 ----------------------


@pytest.mark.parametrize("writer", WRITERS)
def test_stock_below_the_held_units_is_refused_and_saves_nothing(writer, owner_client, lamp):
    # given the owner's form showing 3 on hand, nothing held
    shown = Variant.objects.get(pk=lamp.pk)
    # and a shopper then holding all 3 units
    hold(lamp, 3)

    # when the owner sends "2 on hand" (and a new price)
    response = writer(owner_client, shown, price=2500, stock_on_hand=2)

    # then they are told why, nothing of the edit is saved, and the shopper keeps the units
    assert_refused(response, writer)
    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2000}


def test_the_refused_change_form_keeps_what_the_owner_typed(owner_client, lamp):
    shown = Variant.objects.get(pk=lamp.pk)
    hold(lamp, 3)

    response = variant_change_form(owner_client, shown, price=2500, stock_on_hand=2)

    assert 'name="price" value="25.00"' in page(response)
    assert 'name="stock_on_hand" value="2"' in page(response)


@pytest.fixture
def after_the_list_is_validated(monkeypatch):
    """Run a competitor once, after the variant list's edits are validated, before they are
    saved (Django validates them outside the transaction that saves them)."""

    def arrange(competitor):
        pending = [competitor]
        original = VariantAdmin.get_changelist_formset

        def get_changelist_formset(self, request, **kwargs):
            formset_class = original(self, request, **kwargs)

            class Raced(formset_class):
                def is_valid(self):
                    valid = super().is_valid()
                    if pending:
                        pending.pop()()
                    return valid

            return Raced

        monkeypatch.setattr(VariantAdmin, "get_changelist_formset", get_changelist_formset)
        return pending

    return arrange


def test_list_editable_stock_refused_at_save_time_is_a_form_error(
    owner_client, lamp, after_the_list_is_validated
):
    # given the owner lowering stock to 2 in the variant list, valid while nothing is held
    pending = after_the_list_is_validated(lambda: hold(lamp, 3))

    # when a shopper holds all 3 units after the list was validated, before it is saved
    response = variant_list_editable(owner_client, lamp, price=None, stock_on_hand=2)

    # then the conditional UPDATE refuses, and the owner sees the error in the list
    assert not pending
    assert_refused(response, variant_list_editable)
    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2000}


def test_csv_stock_refused_at_write_time_is_a_row_error(merchant_a, lamp, monkeypatch):
    # given a file that lowers the lamp to 2 and changes its price, valid while nothing is held
    parse = catalog_csv._parse

    def parse_then_a_shopper_holds_3(data, *, merchant):
        rows = parse(data, merchant=merchant)
        hold(lamp, 3)
        return rows

    monkeypatch.setattr(catalog_csv, "_parse", parse_then_a_shopper_holds_3)

    # when a shopper holds all 3 units after the file was checked, before it is written
    with pytest.raises(CatalogImportError) as refused:
        catalog_import_csv(merchant=merchant_a, data=csv_file(lamp, 2500, 2))

    # then the row is named, and nothing of the file is written (all or nothing)
    assert refused.value.errors == [
        RowError(
            2,
            "stock_on_hand",
            "3 unit(s) are reserved by shoppers paying now; use 3 or more.",
        )
    ]
    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2000}


def test_a_refusal_at_every_attempt_is_a_message_never_a_500(owner_client, lamp, monkeypatch):
    # given a validation that misses the held units every time (the save keeps being refused)
    monkeypatch.setattr(
        "catalog.forms.VariantStockForm.clean_stock_on_hand",
        lambda form: form.cleaned_data["stock_on_hand"],
    )
    hold(lamp, 3)

    response = variant_change_form(owner_client, lamp, price=2500, stock_on_hand=2)

    # then the owner is sent back to the form and told that nothing was saved
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_variant_change", args=[lamp.pk])
    assert "Nothing was saved: " + HELD_MESSAGE in page(owner_client.get(response["Location"]))
    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2000}


# --- Real concurrency on PostgreSQL ----------------------------------------------------------------


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite's IMMEDIATE transactions make the owner's save exclusive, "
            "so a shopper cannot hold units in the middle of it"
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", WRITERS)
def test_stock_refused_at_save_time_by_another_session_is_refused_and_saves_nothing(
    postgresql, writer, owner_client, lamp
):
    # given the owner lowering stock to 2 and changing the price, valid while nothing is held
    # when another session holds all 3 units and commits, exactly before the first write
    with run_before_query('UPDATE "catalog_', in_another_connection(lambda: hold(lamp, 3))):
        response = writer(owner_client, lamp, price=2500, stock_on_hand=2)

    # then the owner sees the error, nothing of the edit is saved, the shopper keeps the units
    assert_refused(response, writer)
    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2000}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", PRICE_WRITERS)
def test_price_saved_while_another_session_holds_units_keeps_them_held(
    postgresql, writer, owner_client, lamp
):
    with run_before_query('UPDATE "catalog_variant"', in_another_connection(lambda: hold(lamp, 3))):
        response = writer(owner_client, lamp, price=2500, stock_on_hand=3)

    assert_saved(response)
    assert counts(lamp) == {"on_hand": 3, "reserved": 3, "held_by_reservations": 3, "price": 2500}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", WRITERS)
def test_owner_saves_and_many_shoppers_holding_at_once_never_lose_a_held_unit(
    writer, owner, merchant_a, make_product
):
    # given 40 lamps, and an owner who saves the lamp 4 times while 12 shoppers each hold 2
    lamp = make_product(
        merchant_a, "Desk Lamp", variants=[{"sku": "LAMP-1", "price": 2000, "stock_on_hand": 40}]
    ).variants.get()
    client = Client()
    client.force_login(owner)
    shoppers = 12

    def work(n):
        if n < shoppers:
            return hold(lamp, 2)
        responses = []
        for attempt in range(4):
            shown = Variant.objects.get(pk=lamp.pk)
            responses.append(
                writer(client, shown, price=2100 + attempt, stock_on_hand=40 + attempt)
            )
        return responses

    outcomes = run_in_threads(shoppers + 1, work)

    # then every shopper holds their units, and the variant counts exactly those
    assert all(isinstance(o, Order) for o in outcomes[:shoppers]), outcomes
    assert [r.status_code for r in outcomes[shoppers]] == [302] * 4
    assert counts(lamp) == {
        "on_hand": 43,
        "reserved": 24,
        "held_by_reservations": 24,
        "price": expected_price(writer, 2103, 2000),
    }

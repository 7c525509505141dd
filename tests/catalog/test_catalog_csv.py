"""Catalog CSV import and export (docs/catalog-csv.md): one row per variant, all-or-nothing import
that names every problem by line and column, and an export that a spreadsheet cannot run."""

import csv
import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.catalog_csv import (
    COLUMNS,
    CatalogImportError,
    ImportResult,
    catalog_export_csv,
    catalog_import_csv,
)
from catalog.models import Product, Variant

HEADER = ",".join(COLUMNS)
VALID = f"""{HEADER}
wool-beanie,Wool Beanie,apparel,active,"Warm, soft merino.",BEANIE-RED,One size,Red,24.00,30.00,USD,12
wool-beanie,Wool Beanie,apparel,active,"Warm, soft merino.",BEANIE-BLUE,One size,Blue,24.00,,USD,0
desk-lamp,Desk Lamp,home_goods,draft,,LAMP-1,,,"1,299.50",,EUR,3
"""


def csv_bytes(text: str) -> bytes:
    return text.encode()


def catalog_of(merchant) -> list[tuple]:
    """Everything the import can change, in a stable order."""
    return [
        (
            v.product.slug,
            v.product.title,
            v.product.category,
            v.product.status,
            v.product.description,
            v.sku,
            v.size,
            v.color,
            v.price,
            v.compare_at_price,
            v.currency,
            v.stock_on_hand,
        )
        for v in Variant.objects.filter(merchant=merchant)
        .select_related("product")
        .order_by("product__slug", "sku")
    ]


def export(merchant) -> str:
    out = io.StringIO()
    catalog_export_csv(merchant=merchant, out=out)
    return out.getvalue()


def problems(caught) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in caught.value.errors]


def messages(caught) -> list[str]:
    return [str(error) for error in caught.value.errors]


@pytest.fixture
def existing(merchant_a, make_product):
    """Merchant A's current catalog: a beanie with two variants."""
    product = make_product(
        merchant_a,
        "Wool Beanie",
        variants=[
            {"sku": "BEANIE-RED", "price": 2000, "stock_on_hand": 4, "color": "Red"},
            {"sku": "BEANIE-GREEN", "price": 2000, "stock_on_hand": 7, "color": "Green"},
        ],
    )
    product.description = "Knitted by hand."
    product.save()
    return product


# --- Import: good files ---------------------------------------------------------------------------


def test_import_creates_products_and_variants(merchant_a):
    result = catalog_import_csv(merchant=merchant_a, data=csv_bytes(VALID))

    assert result == ImportResult(
        products_created=2, products_updated=0, variants_created=3, variants_updated=0
    )
    assert catalog_of(merchant_a) == [
        ("desk-lamp", "Desk Lamp", "home_goods", "draft", "", "LAMP-1", "", "", 129950, None, "EUR", 3),
        ("wool-beanie", "Wool Beanie", "apparel", "active", "Warm, soft merino.", "BEANIE-BLUE",
         "One size", "Blue", 2400, None, "USD", 0),
        ("wool-beanie", "Wool Beanie", "apparel", "active", "Warm, soft merino.", "BEANIE-RED",
         "One size", "Red", 2400, 3000, "USD", 12),
    ]  # fmt: skip


def test_importing_the_same_file_again_updates_and_creates_nothing(merchant_a):
    catalog_import_csv(merchant=merchant_a, data=csv_bytes(VALID))
    before = catalog_of(merchant_a)

    result = catalog_import_csv(merchant=merchant_a, data=csv_bytes(VALID))

    assert result == ImportResult(
        products_created=0, products_updated=2, variants_created=0, variants_updated=3
    )
    assert catalog_of(merchant_a) == before
    assert Product.objects.count() == 2 and Variant.objects.count() == 3


def test_import_updates_existing_variants_by_sku_and_adds_new_ones(merchant_a, existing):
    result = catalog_import_csv(merchant=merchant_a, data=csv_bytes(VALID))

    assert result == ImportResult(
        products_created=1, products_updated=1, variants_created=2, variants_updated=1
    )
    red = Variant.objects.get(sku="BEANIE-RED")
    assert (red.product, red.price, red.stock_on_hand) == (existing, 2400, 12)
    # nothing is deleted: the green beanie is not in the file and stays
    assert Variant.objects.get(sku="BEANIE-GREEN").stock_on_hand == 7


def test_a_utf8_file_with_a_byte_order_mark_imports(merchant_a):
    data = "\ufeff".encode() + csv_bytes(VALID.replace("Desk Lamp", "Lampe de bureau à pince"))
    catalog_import_csv(merchant=merchant_a, data=data)
    assert Product.objects.get(slug="desk-lamp").title == "Lampe de bureau à pince"


def test_a_file_without_optional_columns_keeps_their_current_values(merchant_a, existing):
    # given a beanie variant with a compare-at price, in euros, on an active product
    Variant.objects.filter(sku="BEANIE-RED").update(compare_at_price=5000, currency="EUR")
    # when a file with only the required columns updates its price and stock
    data = csv_bytes(
        "product_slug,product_title,category,sku,price,stock_on_hand\n"
        "wool-beanie,Wool Beanie,apparel,BEANIE-RED,21.00,9\n"
    )
    catalog_import_csv(merchant=merchant_a, data=data)
    # then only those change: the product stays active, its description and the options stay
    red = Variant.objects.select_related("product").get(sku="BEANIE-RED")
    assert (red.price, red.stock_on_hand) == (2100, 9)
    assert (red.compare_at_price, red.currency, red.color) == (5000, "EUR", "Red")
    assert (red.product.status, red.product.description) == ("active", "Knitted by hand.")


def test_new_rows_without_optional_columns_get_the_documented_defaults(merchant_a):
    data = csv_bytes(
        "product_slug,product_title,category,sku,price,stock_on_hand\n"
        "tea-towel,Tea Towel,home_goods,TOWEL-1,8,40\n"
    )
    catalog_import_csv(merchant=merchant_a, data=data)
    towel = Variant.objects.select_related("product").get(sku="TOWEL-1")
    assert (towel.product.status, towel.currency, towel.price) == ("draft", "USD", 800)


def test_import_only_touches_the_importing_merchant(merchant_a, merchant_b, make_product):
    # given merchant B with the same product slug and the same SKU
    theirs = make_product(merchant_b, "Wool Beanie", variants=[{"sku": "BEANIE-RED", "price": 99}])
    # when merchant A imports
    catalog_import_csv(merchant=merchant_a, data=csv_bytes(VALID))
    # then merchant A has its own beanie, and merchant B's is unchanged
    assert Product.objects.filter(merchant=merchant_a).count() == 2
    assert Variant.objects.get(merchant=merchant_b, sku="BEANIE-RED").price == 99
    theirs.refresh_from_db()
    assert theirs.status == "active" and theirs.description == ""


# --- Import: bad files change nothing and name every problem ---------------------------------------


def assert_rejected(merchant, data: bytes) -> pytest.ExceptionInfo:
    before = (Product.objects.count(), Variant.objects.count(), catalog_of(merchant))
    with pytest.raises(CatalogImportError) as caught:
        catalog_import_csv(merchant=merchant, data=data)
    assert (Product.objects.count(), Variant.objects.count(), catalog_of(merchant)) == before
    assert "nothing was imported" in str(caught.value)
    return caught


def test_missing_required_columns_are_named(merchant_a, existing):
    data = csv_bytes(
        "product_slug,product_title,category,sku\nwool-beanie,Wool Beanie,apparel,X-1\n"
    )
    caught = assert_rejected(merchant_a, data)
    assert messages(caught) == ["line 1: Missing column(s): price, stock_on_hand."]


def test_unknown_and_unnamed_columns_are_named(merchant_a, existing):
    data = csv_bytes(VALID.replace("stock_on_hand", "stock_on_hand,colour,", 1))
    caught = assert_rejected(merchant_a, data)
    assert len(caught.value.errors) == 1
    message = messages(caught)[0]
    assert message.startswith("line 1: Unknown column(s): colour, (a column without a name).")
    assert "Known: product_slug, product_title" in message


def test_every_bad_row_is_reported_with_line_and_column(merchant_a, existing):
    # given a file where most rows have something wrong
    data = csv_bytes(
        f"""{HEADER}
wool-beanie,Wool Beanie,apparel,active,,BEANIE-RED,,Red,abc,,USD,1
wool-beanie,Wool Beanie,apparel,active,,BEANIE-PINK,,Pink,1.999,,USD,1
wool-beanie,Wool Beanie,apparel,active,,BEANIE-GREY,,Grey,-5,,USD,1
wool-beanie,Wool Beanie,apparel,active,,BEANIE-TEAL,,Teal,20.00,,USD,lots
toy-robot,Toy Robot,toys,active,,ROBOT-1,,,20.00,,USD,1
wool-beanie,Wool Beanie,apparel,active,,BEANIE-GOLD,,Gold,20.00,,USD,1
wool-beanie,Wool Beanie,apparel,active,,beanie-gold,,Gold,20.00,,USD,1
lamp,Lamp,home_goods,draft,,BEANIE-GREEN,,,20.00,,USD,1
wool-beanie,Woolly Beanie,apparel,active,,BEANIE-NAVY,,Navy,20.00,,USD,1
wool-beanie,Wool Beanie,apparel,active,,BEANIE-RED,,Red,20.00,,USD,1
ok-mug,Mug,home_goods,draft,,MUG-1,,,20.00,19.00,XYZ,1
"""
    )
    # when it is imported, nothing changes and every problem is listed in line order
    caught = assert_rejected(merchant_a, data)
    assert messages(caught) == [
        "line 2, column price: 'abc' is not a price; write it like 19.99.",
        "line 3, column price: '1.999' has more than two decimal places.",
        "line 4, column price: '-5' is not a price of 0 or more.",
        "line 5, column stock_on_hand: 'lots' is not a whole number of 0 or more.",
        "line 6, column category: 'toys' is not a category. Use one of: electronics, home_goods, "
        "seasonal_decor, apparel.",
        "line 8, column sku: SKU beanie-gold is already used on line 7.",
        "line 9, column sku: SKU BEANIE-GREEN belongs to product wool-beanie, not lamp.",
        "line 10, column product_title: Differs from line 7 for the same product wool-beanie; "
        "product columns must match on every row of a product.",
        "line 11, column sku: SKU BEANIE-RED is already used on line 2.",
        "line 12, column compare_at_price: Must be higher than the price, or empty.",
        "line 12, column currency: 'XYZ' is not supported. Use one of: USD, EUR, GBP, CAD.",
    ]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("19,99", "'19,99' is not a price; write it like 19.99."),
        ("1e30", "'1e30' is not a price; write it like 19.99."),
        ("$5", "'$5' is not a price; write it like 19.99."),
        ("NaN", "'NaN' is not a price; write it like 19.99."),
        ("١٢", "'١٢' is not a price; write it like 19.99."),
        ("99999999999999999999999999999999", "Too large: at most 10000000.00."),
        ("50000000.00", "Too large: at most 10000000.00."),
        ("", "Required: a price such as 19.99."),
    ],
)
def test_prices_that_are_not_plain_amounts_are_refused(merchant_a, cell, message):
    data = csv_bytes(f'{HEADER}\nmug,Mug,home_goods,draft,,MUG-1,,,"{cell}",,USD,1\n')
    caught = assert_rejected(merchant_a, data)
    assert messages(caught) == [f"line 2, column price: {message}"]


@pytest.mark.parametrize(
    ("cell", "price"), [("19.99", 1999), ("19.9", 1990), ("19", 1900), ("1,299.00", 129900)]
)
def test_prices_are_read_in_major_units(merchant_a, cell, price):
    data = csv_bytes(f'{HEADER}\nmug,Mug,home_goods,draft,,MUG-1,,,"{cell}",,USD,1\n')
    catalog_import_csv(merchant=merchant_a, data=data)
    assert Variant.objects.get(sku="MUG-1").price == price


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("-1", "'-1' is not a whole number of 0 or more."),
        ("2.5", "'2.5' is not a whole number of 0 or more."),
        ("²", "'²' is not a whole number of 0 or more."),
        ("", "'' is not a whole number of 0 or more."),
        ("9" * 5000, "Too large: at most 1,000,000,000."),
        ("1000000001", "Too large: at most 1,000,000,000."),
    ],
)
def test_bad_stock_is_refused(merchant_a, cell, message):
    data = csv_bytes(f"{HEADER}\nmug,Mug,home_goods,draft,,MUG-1,,,5.00,,USD,{cell}\n")
    caught = assert_rejected(merchant_a, data)
    assert messages(caught) == [f"line 2, column stock_on_hand: {message}"]


def test_a_price_raised_above_the_kept_compare_at_price_is_refused(merchant_a, existing):
    Variant.objects.filter(sku="BEANIE-RED").update(compare_at_price=2500)
    data = csv_bytes(
        "product_slug,product_title,category,sku,price,stock_on_hand\n"
        "wool-beanie,Wool Beanie,apparel,BEANIE-RED,26.00,4\n"
    )
    caught = assert_rejected(merchant_a, data)
    assert messages(caught) == [
        "line 2, column price: Must be below the compare-at price 25.00; add a compare_at_price "
        "column to change or clear that."
    ]


def test_a_file_that_is_not_utf8_is_refused_with_its_line(merchant_a, existing):
    data = (
        f"{HEADER}\n"
        "mug,Mug,home_goods,draft,,MUG-1,,,5.00,,USD,1\n"
        "cafe,Café crème cup,home_goods,draft,,CUP-1,,,5.00,,USD,1\n"
    ).encode("latin-1")
    caught = assert_rejected(merchant_a, data)
    assert messages(caught) == [
        "line 3: The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
    ]


def test_an_empty_file_and_a_header_only_file_are_refused(merchant_a):
    assert messages(assert_rejected(merchant_a, b"")) == [
        "line 1: The file is empty; the first line must name the columns."
    ]
    assert messages(assert_rejected(merchant_a, csv_bytes(HEADER + "\n"))) == [
        "line 2: The file has a header but no rows."
    ]


def test_a_row_with_more_cells_than_the_header_is_refused(merchant_a):
    data = csv_bytes(f"{HEADER}\nmug,Mug,home_goods,draft,,MUG-1,,,5.00,,USD,1,surprise\n")
    assert messages(assert_rejected(merchant_a, data)) == [
        "line 2: This row has more cells than the header."
    ]


def test_a_file_over_the_size_limit_is_refused(settings, merchant_a):
    settings.CATALOG_CSV_MAX_BYTES = 1024 * 1024
    data = csv_bytes(VALID) + b" " * (1024 * 1024)
    assert messages(assert_rejected(merchant_a, data)) == ["line 0: The file is larger than 1 MB."]


# --- Export -----------------------------------------------------------------------------------------


def test_export_then_import_leaves_the_catalog_identical(merchant_a, make_product):
    # given a catalog with awkward text: commas, quotes, line breaks, accents, formula look-alikes
    make_product(
        merchant_a,
        "Wool Beanie",
        variants=[
            {"sku": "BEANIE-RED", "price": 2400, "compare_at_price": 3000, "color": "Red, dark"},
            {"sku": "BEANIE-BLUE", "price": 2450, "stock_on_hand": 0, "size": 'Kids 7"'},
        ],
    )
    lamp = make_product(
        merchant_a,
        "Desk Lamp",
        category="home_goods",
        status="draft",
        variants=[{"sku": "LAMP-1", "price": 5, "currency": "EUR", "stock_on_hand": 3}],
    )
    lamp.description = "Bright.\nDimmable, with a \"warm\" mode — née 'Lumière'."
    lamp.title = "=1+1"
    lamp.save()
    before = catalog_of(merchant_a)

    result = catalog_import_csv(merchant=merchant_a, data=export(merchant_a).encode())

    assert result == ImportResult(
        products_created=0, products_updated=2, variants_created=0, variants_updated=3
    )
    assert catalog_of(merchant_a) == before


def test_export_has_the_documented_columns_and_one_row_per_variant(merchant_a, existing):
    rows = list(csv.reader(io.StringIO(export(merchant_a))))
    assert rows[0] == COLUMNS
    assert sorted(row[COLUMNS.index("sku")] for row in rows[1:]) == ["BEANIE-GREEN", "BEANIE-RED"]
    red = next(row for row in rows if row[COLUMNS.index("sku")] == "BEANIE-RED")
    assert dict(zip(COLUMNS, red, strict=True)) == {
        "product_slug": "wool-beanie",
        "product_title": "Wool Beanie",
        "category": "apparel",
        "status": "active",
        "description": "Knitted by hand.",
        "sku": "BEANIE-RED",
        "size": "",
        "color": "Red",
        "price": "20.00",
        "compare_at_price": "",
        "currency": "USD",
        "stock_on_hand": "4",
    }


FORMULAS = {
    "title": '=HYPERLINK("https://evil.example","Click")',
    "description": "+1 (800) 555-0100",
    "color": "-x",
    "size": "@SUM(A1:A9)",
}


def test_export_neutralises_cells_a_spreadsheet_would_run(merchant_a, make_product):
    product = make_product(
        merchant_a,
        "Plain",
        variants=[
            {"sku": "F-1", "price": 100, "color": FORMULAS["color"], "size": FORMULAS["size"]}
        ],
    )
    product.title, product.description = FORMULAS["title"], FORMULAS["description"]
    product.save()

    exported = export(merchant_a)

    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 1
    assert rows[0]["product_title"] == "'" + FORMULAS["title"]
    assert rows[0]["description"] == "'" + FORMULAS["description"]
    assert rows[0]["color"] == "'" + FORMULAS["color"]
    assert rows[0]["size"] == "'" + FORMULAS["size"]
    # no cell starts with a formula character any more
    assert not [cell for cell in rows[0].values() if cell.startswith(("=", "+", "-", "@"))]

    # and importing the exported file gives back the original text
    Product.objects.filter(pk=product.pk).update(title="changed", description="changed")
    Variant.objects.filter(sku="F-1").update(color="changed", size="changed")
    catalog_import_csv(merchant=merchant_a, data=exported.encode())
    product.refresh_from_db()
    variant = product.variants.get()
    assert (product.title, product.description) == (FORMULAS["title"], FORMULAS["description"])
    assert (variant.color, variant.size) == (FORMULAS["color"], FORMULAS["size"])


@pytest.mark.parametrize("text", ["'Tis the season", "'=already quoted", "''+1", "plain"])
def test_text_starting_with_an_apostrophe_round_trips(merchant_a, make_product, text):
    product = make_product(merchant_a, "Wreath", variants=[{"sku": "W-1", "price": 100}])
    product.title = text
    product.save()
    catalog_import_csv(merchant=merchant_a, data=export(merchant_a).encode())
    product.refresh_from_db()
    assert product.title == text


def test_export_contains_only_the_merchants_own_variants(merchant_a, merchant_b, make_product):
    make_product(merchant_a, "Wool Beanie", variants=[{"sku": "A-1", "price": 100}])
    make_product(merchant_b, "Wool Beanie", variants=[{"sku": "B-1", "price": 100}])
    make_product(merchant_b, "Secret Lamp", variants=[{"sku": "B-2", "price": 100}])

    text = export(merchant_a)

    skus = [row["sku"] for row in csv.DictReader(io.StringIO(text))]
    assert skus == ["A-1"]
    assert "B-1" not in text and "Secret Lamp" not in text


# --- Through the Shopping Manager ---------------------------------------------------------------------


@pytest.fixture
def owner_client(client_for, make_staff, merchant_a):
    return client_for(make_staff(merchant_a))


IMPORT_URL = "/admin/catalog/product/import-csv/"


def csv_upload(data: bytes, name: str = "catalog.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def error_rows(response) -> list[list[str]]:
    page = response.content.decode()
    table = re.search(r'<table id="import-errors">(.*?)</table>', page, re.S)
    assert table, "the page has no table of import errors"
    body = table.group(1).split("<tbody>", 1)[1]
    return [
        [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_import_page_is_at_the_documented_address(owner_client):
    assert reverse("admin:catalog_product_import_csv") == IMPORT_URL
    response = owner_client.get(IMPORT_URL)
    assert response.status_code == 200
    assert "product_slug" in response.content.decode()


def test_owner_imports_a_file_in_the_shopping_manager(owner_client, merchant_a):
    response = owner_client.post(IMPORT_URL, {"file": csv_upload(csv_bytes(VALID))}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:catalog_product_changelist")
    assert (
        "Imported into Merchant A: 2 product(s) created, 0 updated; 3 variant(s) created, 0 updated."
        in html.unescape(response.content.decode())
    )
    assert Variant.objects.filter(merchant=merchant_a).count() == 3


def test_a_bad_file_in_the_shopping_manager_lists_every_problem_and_changes_nothing(
    owner_client, merchant_a, existing
):
    before = catalog_of(merchant_a)
    data = csv_bytes(
        f"{HEADER}\n"
        "wool-beanie,Wool Beanie,apparel,active,,BEANIE-RED,,Red,abc,,USD,1\n"
        "lamp,Lamp,home_goods,draft,,LAMP-1,,,20.00,,USD,1\n"
        "lamp,Lamp,home_goods,draft,,LAMP-1,,,20.00,,USD,lots\n"
    )

    response = owner_client.post(IMPORT_URL, {"file": csv_upload(data)})

    assert response.status_code == 200
    assert error_rows(response) == [
        ["2", "price", "'abc' is not a price; write it like 19.99."],
        ["4", "stock_on_hand", "'lots' is not a whole number of 0 or more."],
        ["4", "sku", "SKU LAMP-1 is already used on line 3."],
    ]
    assert "3 problem(s) in the file; nothing was imported." in response.content.decode()
    assert catalog_of(merchant_a) == before
    assert not Product.objects.filter(slug="lamp").exists()


def test_a_non_utf8_file_in_the_shopping_manager_says_how_to_save_it(owner_client, existing):
    data = f"{HEADER}\ncafe,Café,home_goods,draft,,CUP-1,,,5.00,,USD,1\n".encode("cp1252")
    response = owner_client.post(IMPORT_URL, {"file": csv_upload(data)})
    assert error_rows(response) == [
        ["2", "—", "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."]
    ]
    assert not Variant.objects.filter(sku="CUP-1").exists()


def test_the_import_page_asks_for_a_csv_file(owner_client, merchant_a):
    response = owner_client.post(IMPORT_URL, {"file": csv_upload(csv_bytes(VALID), "catalog.xlsx")})
    assert response.status_code == 200
    assert "Upload a .csv file." in response.content.decode()
    response = owner_client.post(IMPORT_URL, {"file": ""})  # the form sent without a file
    assert "This field is required." in response.content.decode()
    assert not Product.objects.exists()


def test_owner_exports_only_their_own_catalog(owner_client, merchant_a, merchant_b, make_product):
    make_product(merchant_a, "Wool Beanie", variants=[{"sku": "A-1", "price": 100}])
    make_product(merchant_b, "Secret Lamp", variants=[{"sku": "B-1", "price": 100}])

    response = owner_client.get(reverse("admin:catalog_product_export_csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="merchant-a-catalog-' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["sku"] for row in rows] == ["A-1"]


def test_an_oversized_file_is_refused_by_the_import_form_before_it_is_read(
    settings, owner_client, merchant_a
):
    settings.CATALOG_CSV_MAX_BYTES = 1024 * 1024
    data = csv_bytes(VALID) + b" " * (1024 * 1024)

    response = owner_client.post(IMPORT_URL, {"file": csv_upload(data)})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<ul class="errorlist' in page and "The file is larger than 1 MB." in page
    assert 'id="import-errors"' not in page  # the form refused it; the file was never parsed
    assert not Product.objects.exists()

"""Attack tests for the Shopping Manager: merchant A's staff try to reach merchant B's data.

Every test logs in as merchant A and aims at merchant B's objects: lists, object URLs, form
choices, autocomplete, filters, actions, shortcuts and CSV. B's data must stay invisible and
unchanged. Platform staff (superusers) see everything.
"""

import csv
import io
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import images
from catalog.catalog_csv import COLUMNS
from catalog.models import (
    Membership,
    Merchant,
    MerchantApplication,
    Product,
    ProductImage,
    Variant,
)
from tests.conftest import image_bytes

# (admin model name, attribute of a catalog namespace) of every merchant-owned object in the admin.
OBJECTS = [
    ("product", "product"),
    ("variant", "variant"),
    ("productimage", "image"),
    ("merchant", "merchant"),
    ("membership", "membership"),
]


def jpeg(name="photo.jpg"):
    return SimpleUploadedFile(name, image_bytes(), content_type="image/jpeg")


def make_catalog(merchant, word, make_staff, make_product):
    """A merchant's owner, one product with one variant, and one stored photo."""
    owner = make_staff(merchant)
    product = make_product(
        merchant,
        f"{word} Lantern",
        status=Product.Status.DRAFT,
        variants=[{"sku": f"{word.upper()}-SECRET-SKU", "price": 9900, "stock_on_hand": 7}],
    )
    image = images.image_store(product=product, upload=jpeg(), alt_text=f"{word} lantern photo")
    return SimpleNamespace(
        merchant=merchant,
        owner=owner,
        membership=owner.membership,
        product=product,
        variant=product.variants.get(),
        image=image,
        # What each changelist shows of this merchant's row.
        markers={
            "product": product.title,
            "variant": f"{word.upper()}-SECRET-SKU",
            "productimage": image.alt_text,
            "merchant": merchant.name,
            "membership": owner.username,
        },
    )


@pytest.fixture
def a(merchant_a, make_staff, make_product):
    return make_catalog(merchant_a, "Alpha", make_staff, make_product)


@pytest.fixture
def b(merchant_b, make_staff, make_product):
    return make_catalog(merchant_b, "Bravo", make_staff, make_product)


@pytest.fixture
def a_owner(a, b, client_for):
    """A client logged in as merchant A's owner; merchant B's catalog exists too."""
    return client_for(a.owner)


def snapshot(merchant):
    """Every stored field of every row that belongs to `merchant`."""
    return {
        "merchant": list(Merchant.objects.filter(pk=merchant.pk).values()),
        "memberships": list(Membership.objects.filter(merchant=merchant).order_by("pk").values()),
        "products": list(Product.objects.filter(merchant=merchant).order_by("pk").values()),
        "variants": list(Variant.objects.filter(merchant=merchant).order_by("pk").values()),
        "images": list(
            ProductImage.objects.filter(product__merchant=merchant).order_by("pk").values()
        ),
    }


def admin_url(model, view, *args):
    return reverse(f"admin:catalog_{model}_{view}", args=args)


def page(response):
    return response.content.decode()


def assert_does_not_exist(response, obj, view):
    """The admin answers as for an unknown id: back to the index with a warning."""
    if isinstance(obj, Merchant) and view == "delete":
        assert response.status_code == 403  # owners may not delete even their own merchant
        return
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert f"with ID “{obj.pk}” doesn’t exist" in page(response)


def product_form_data(merchant_pk, title="Hacked Hat", **extra):
    data = {
        "merchant": merchant_pk,
        "title": title,
        "slug": title.lower().replace(" ", "-"),
        "description": "",
        "category": "apparel",
        "status": "active",
    }
    for prefix in ("variants", "images"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | extra


def variant_form_data(product_pk, sku="STOLEN-1"):
    return {
        "product": product_pk,
        "sku": sku,
        "size": "",
        "color": "",
        "price": "10.00",
        "compare_at_price": "",
        "currency": "USD",
        "stock_on_hand": "3",
        "position": "0",
    }


INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


# Lists


@pytest.mark.parametrize("model", [model for model, _ in OBJECTS])
def test_changelists_show_only_own_rows(a_owner, a, b, model):
    response = a_owner.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert a.markers[model] in page(response)
    assert b.markers[model] not in page(response)


def test_filter_sidebars_name_no_other_merchant(a_owner, a, b, make_product):
    make_product(a.merchant, "Alpha Kettle")  # a product filter shows from two products on
    for model in ("product", "variant", "productimage", "membership"):
        html = page(a_owner.get(admin_url(model, "changelist")))
        assert "By merchant" not in html
        assert "Merchant B" not in html
        assert "Bravo Lantern" not in html
    assert "By product" in page(a_owner.get(admin_url("variant", "changelist")))


def test_raw_id_lookup_popup_lists_only_own_products(a_owner, a, b):
    response = a_owner.get(admin_url("product", "changelist"), {"_to_field": "id", "_popup": "1"})

    assert response.status_code == 200
    assert "Alpha Lantern" in page(response)
    assert "Bravo Lantern" not in page(response)


# Object URLs


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize(("model", "attr"), OBJECTS)
def test_other_merchants_object_urls_do_not_exist(a_owner, b, model, attr, view):
    target = getattr(b, attr)

    response = a_owner.get(admin_url(model, view, target.pk), follow=True)

    assert_does_not_exist(response, target, view)
    assert b.markers[model] not in page(response)


@pytest.mark.parametrize("view", ["change", "delete"])
@pytest.mark.parametrize(("model", "attr"), OBJECTS)
def test_posting_to_other_merchants_object_changes_nothing(a_owner, b, model, attr, view):
    target = getattr(b, attr)
    before = snapshot(b.merchant)
    hostile = {
        "post": "yes",
        "title": "Hacked",
        "name": "Hacked",
        "sku": "HACKED",
        "alt_text": "Hacked",
        "role": Membership.Role.HOST,
        "status": Product.Status.ARCHIVED,
    }

    response = a_owner.post(admin_url(model, view, target.pk), hostile, follow=True)

    assert_does_not_exist(response, target, view)
    assert snapshot(b.merchant) == before


def test_save_as_new_on_other_merchants_product_creates_nothing(a_owner, b):
    before = Product.objects.count()

    response = a_owner.post(
        admin_url("product", "change", b.product.pk),
        product_form_data(b.merchant.pk, title="Bravo Lantern", _saveasnew="Save as new"),
    )

    assert response.status_code == 200
    assert INVALID_CHOICE in page(response)
    assert Product.objects.count() == before


# Choices in add and change forms


def test_product_add_offers_only_own_merchant(a_owner, a):
    response = a_owner.get(admin_url("product", "add"))

    assert f'<option value="{a.merchant.pk}" selected>Merchant A</option>' in page(response)
    assert "Merchant B" not in page(response)


def test_product_add_for_other_merchant_is_refused(a_owner, a, b):
    before = snapshot(b.merchant)

    response = a_owner.post(admin_url("product", "add"), product_form_data(b.merchant.pk))

    assert response.status_code == 200
    assert INVALID_CHOICE in page(response)
    assert not Product.objects.filter(slug="hacked-hat").exists()
    assert snapshot(b.merchant) == before


def test_product_add_with_inline_variant_lands_in_own_merchant(a_owner, a, b):
    data = product_form_data(
        a.merchant.pk,
        **{
            "variants-TOTAL_FORMS": "1",
            "variants-0-sku": "BRAVO-SECRET-SKU",  # the same SKU as B's is fine: per merchant
            "variants-0-price": "15.00",
            "variants-0-currency": "USD",
            "variants-0-stock_on_hand": "2",
            "variants-0-position": "0",
        },
    )
    before = snapshot(b.merchant)

    response = a_owner.post(admin_url("product", "add"), data)

    assert response.status_code == 302
    variant = Variant.objects.get(product__slug="hacked-hat")
    assert variant.merchant == a.merchant
    assert variant.product.merchant == a.merchant
    assert snapshot(b.merchant) == before


def test_inline_variant_cannot_take_over_other_merchants_variant(a_owner, a, b):
    data = product_form_data(
        a.merchant.pk,
        title="Alpha Lantern",
        **{
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "1",
            "variants-0-id": b.variant.pk,
            "variants-0-product": a.product.pk,
            "variants-0-sku": "STOLEN",
            "variants-0-price": "0.01",
            "variants-0-currency": "USD",
            "variants-0-stock_on_hand": "0",
            "variants-0-position": "0",
        },
    )
    before = snapshot(b.merchant)

    response = a_owner.post(admin_url("product", "change", a.product.pk), data)

    # Django skips an existing-row form whose id is not among the product's variants.
    assert response.status_code == 302
    assert snapshot(b.merchant) == before
    assert list(a.product.variants.values_list("sku", flat=True)) == ["ALPHA-SECRET-SKU"]


def test_inline_variant_cannot_point_at_other_merchants_product(a_owner, a, b):
    data = product_form_data(
        a.merchant.pk,
        title="Alpha Lantern",
        **{
            "variants-TOTAL_FORMS": "1",
            "variants-0-product": b.product.pk,
            "variants-0-sku": "PLANTED",
            "variants-0-price": "0.01",
            "variants-0-currency": "USD",
            "variants-0-stock_on_hand": "0",
            "variants-0-position": "0",
        },
    )
    before = snapshot(b.merchant)

    response = a_owner.post(admin_url("product", "change", a.product.pk), data)

    # The forged field is hidden, so the admin can only say that something is wrong.
    assert response.status_code == 200
    assert "Please correct the error below." in page(response)
    assert not Variant.objects.filter(sku="PLANTED").exists()
    assert snapshot(b.merchant) == before


def test_variant_add_for_other_merchants_product_is_refused(a_owner, a, b):
    before = snapshot(b.merchant)

    response = a_owner.post(admin_url("variant", "add"), variant_form_data(b.product.pk))

    assert response.status_code == 200
    assert INVALID_CHOICE in page(response)
    assert "Bravo Lantern" not in page(response)  # the autocomplete shows no chosen B product
    assert not Variant.objects.filter(sku="STOLEN-1").exists()
    assert snapshot(b.merchant) == before


def test_variant_add_for_own_product_works(a_owner, a):
    response = a_owner.post(admin_url("variant", "add"), variant_form_data(a.product.pk))

    assert response.status_code == 302
    assert Variant.objects.get(sku="STOLEN-1").merchant == a.merchant


def test_image_add_with_raw_id_of_other_merchants_product_is_refused(a_owner, a, b):
    before = snapshot(b.merchant)

    response = a_owner.post(
        admin_url("productimage", "add"),
        {"product": b.product.pk, "image": jpeg(), "alt_text": "Planted", "position": "0"},
    )

    assert response.status_code == 200
    assert INVALID_CHOICE in page(response)
    # The raw-id field names the product behind a typed id only when it is the merchant's own.
    assert "Bravo Lantern" not in page(response)
    assert not ProductImage.objects.filter(alt_text="Planted").exists()
    assert snapshot(b.merchant) == before


def test_image_add_with_raw_id_of_own_product_works(a_owner, a):
    response = a_owner.post(
        admin_url("productimage", "add"),
        {"product": a.product.pk, "image": jpeg(), "alt_text": "Side view", "position": "1"},
    )

    assert response.status_code == 302
    assert ProductImage.objects.get(alt_text="Side view").product == a.product


def test_own_image_alt_text_can_be_changed(a_owner, a):
    response = a_owner.post(
        admin_url("productimage", "change", a.image.pk), {"alt_text": "Lit", "position": "2"}
    )

    assert response.status_code == 302
    a.image.refresh_from_db()
    assert (a.image.alt_text, a.image.position) == ("Lit", 2)


def test_own_product_cannot_be_moved_to_other_merchant(a_owner, a, b):
    response = a_owner.post(
        admin_url("product", "change", a.product.pk),
        product_form_data(b.merchant.pk, title="Alpha Lantern"),
    )

    assert response.status_code == 302
    a.product.refresh_from_db()
    assert a.product.merchant == a.merchant


def test_colleagues_membership_cannot_be_moved_to_other_merchant(a_owner, a, b, make_staff):
    colleague = make_staff(a.merchant, Membership.Role.CATALOG_MANAGER).membership

    response = a_owner.post(
        admin_url("membership", "change", colleague.pk),
        {"user": b.owner.pk, "merchant": b.merchant.pk, "role": Membership.Role.HOST},
    )

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert (colleague.merchant, colleague.user.username, colleague.role) == (
        a.merchant,
        "merchant-a-catalog_manager",
        Membership.Role.HOST,
    )
    assert Membership.objects.get(user=b.owner).merchant == b.merchant


def test_variant_change_cannot_move_to_other_merchants_product(a_owner, a, b):
    before = snapshot(b.merchant)

    response = a_owner.post(
        admin_url("variant", "change", a.variant.pk),
        variant_form_data(b.product.pk, sku=a.variant.sku),
    )

    assert response.status_code == 200
    assert INVALID_CHOICE in page(response)
    a.variant.refresh_from_db()
    assert a.variant.product == a.product
    assert snapshot(b.merchant) == before


# Autocomplete


@pytest.mark.parametrize(
    ("source_model", "field", "target"),
    [
        ("variant", "product", "product"),
        ("productimage", "product", "product"),
        ("product", "merchant", "merchant"),
        ("membership", "merchant", "merchant"),
        ("merchantapplication", "merchant", "merchant"),
    ],
)
@pytest.mark.parametrize("term", ["", "Lantern", "Bravo", "Merchant"])
def test_autocomplete_returns_only_own_objects(a_owner, a, b, source_model, field, target, term):
    response = a_owner.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": source_model, "field_name": field, "term": term},
    )

    assert response.status_code == 200
    found = {int(result["id"]) for result in response.json()["results"]}
    assert getattr(b, target).pk not in found
    assert found <= {getattr(a, target).pk}


def test_autocomplete_finds_own_product(a_owner, a):
    response = a_owner.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "variant", "field_name": "product", "term": "lan"},
    )

    assert response.json()["results"] == [{"id": str(a.product.pk), "text": "Alpha Lantern"}]


# Querystring filters and search


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("product", "merchant__id__exact={b.merchant.pk}"),
        ("product", "merchant={b.merchant.pk}"),
        ("product", "merchant__slug=merchant-b"),
        ("product", "q=BRAVO-SECRET-SKU"),
        ("product", "slug=bravo-lantern"),
        ("variant", "merchant__id__exact={b.merchant.pk}"),
        ("variant", "product__merchant__slug=merchant-b"),
        ("variant", "product__id__exact={b.product.pk}"),
        ("variant", "product={b.product.pk}"),
        ("variant", "q=Bravo"),
        ("productimage", "product__merchant__slug=merchant-b"),
        ("productimage", "product__id__exact={b.product.pk}"),
        ("membership", "merchant__id__exact={b.merchant.pk}"),
        ("membership", "user__username=merchant-b-owner"),
        ("merchant", "slug=merchant-b"),
        ("merchant", "id__exact={b.merchant.pk}"),
    ],
)
def test_querystring_filters_never_show_other_merchants_rows(a_owner, b, model, query):
    response = a_owner.get(f"{admin_url(model, 'changelist')}?{query.format(b=b)}")

    if response.status_code == 302:
        assert response.url.endswith("?e=1")
    else:
        # 200 with no B rows, or 400 for a lookup the admin does not allow at all.
        assert response.status_code in (200, 400)
    assert b.markers[model] not in page(response)


def test_querystring_filter_by_own_product_still_works(a_owner, a, b):
    response = a_owner.get(admin_url("variant", "changelist"), {"product__id__exact": a.product.pk})

    assert response.status_code == 200
    assert "ALPHA-SECRET-SKU" in page(response)


# Actions


@pytest.mark.parametrize(
    ("model", "attr", "action"),
    [
        ("product", "product", "make_active"),
        ("product", "product", "archive"),
        ("product", "product", "delete_selected"),
        ("variant", "variant", "delete_selected"),
        ("productimage", "image", "delete_selected"),
        ("membership", "membership", "delete_selected"),
        ("merchant", "merchant", "delete_selected"),
    ],
)
def test_actions_on_other_merchants_ids_change_nothing(a_owner, b, model, attr, action):
    before = snapshot(b.merchant)

    a_owner.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [getattr(b, attr).pk], "index": "0", "post": "yes"},
    )

    assert snapshot(b.merchant) == before


@pytest.mark.parametrize(
    ("model", "attr", "action", "message"),
    [
        ("product", "product", "make_active", "1 product(s) set to Active."),
        ("product", "product", "delete_selected", "Successfully deleted 1 product."),
        ("variant", "variant", "delete_selected", "Successfully deleted 1 variant."),
        ("productimage", "image", "delete_selected", "Successfully deleted 1 product image."),
    ],
)
def test_actions_on_a_mixed_selection_act_only_on_own_rows(
    a_owner, a, b, django_capture_on_commit_callbacks, model, attr, action, message
):
    own, other = getattr(a, attr), getattr(b, attr)
    before = snapshot(b.merchant)

    with django_capture_on_commit_callbacks(execute=True):
        response = a_owner.post(
            admin_url(model, "changelist"),
            {"action": action, "_selected_action": [own.pk, other.pk], "index": "0", "post": "yes"},
            follow=True,
        )

    assert message in page(response)
    assert snapshot(b.merchant) == before
    if action == "make_active":
        own.refresh_from_db()
        assert own.status == Product.Status.ACTIVE
    else:
        assert not type(own).objects.filter(pk=own.pk).exists()


def test_owner_deletes_a_colleagues_membership_but_not_other_merchants(a_owner, a, b, make_staff):
    colleague = make_staff(a.merchant, Membership.Role.CATALOG_MANAGER).membership
    before = snapshot(b.merchant)

    a_owner.post(
        admin_url("membership", "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [colleague.pk, b.membership.pk],
            "index": "0",
            "post": "yes",
        },
    )

    assert not Membership.objects.filter(pk=colleague.pk).exists()
    assert snapshot(b.merchant) == before


def test_list_editable_stock_of_other_merchants_variant_changes_nothing(a_owner, a, b):
    before = snapshot(b.merchant)
    variants_before = Variant.objects.count()

    response = a_owner.post(
        admin_url("variant", "changelist"),
        {
            "_save": "Save",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": b.variant.pk,
            "form-0-stock_on_hand": "0",
        },
    )

    assert response.status_code == 400  # Django: "list_editable does not allow adding."
    assert snapshot(b.merchant) == before
    assert Variant.objects.count() == variants_before


# "View on site" shortcut


@pytest.mark.parametrize("attr", ["product", "merchant"])
def test_view_on_site_shortcut_hides_other_merchants_objects(a_owner, a, b, attr):
    def shortcut(obj):
        content_type = ContentType.objects.get_for_model(obj)
        return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])

    assert a_owner.get(shortcut(getattr(b, attr))).status_code == 404
    own = a_owner.get(shortcut(getattr(a, attr)))
    assert own.status_code == 302
    assert own.url.endswith(getattr(a, attr).get_absolute_url())


def test_view_on_site_shortcut_for_unowned_models_is_not_found(a_owner, a):
    application = MerchantApplication.objects.create(
        business_name="Secret Co",
        website="https://secret.example",
        contact_name="S",
        contact_email="s@secret.example",
        what_they_sell="Secrets",
    )
    for obj in (a.owner, application):
        content_type = ContentType.objects.get_for_model(obj)
        url = reverse("admin:view_on_site", args=[content_type.pk, obj.pk])
        assert a_owner.get(url).status_code == 404


def test_view_on_site_shortcut_works_for_platform_staff(client_for, platform_staff, b):
    content_type = ContentType.objects.get_for_model(Product)
    url = reverse("admin:view_on_site", args=[content_type.pk, b.product.pk])

    response = client_for(platform_staff).get(url)

    assert response.status_code == 302
    assert response.url.endswith(b.product.get_absolute_url())


# CSV export and import


def export_skus(response):
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    return {row["sku"] for row in rows}


@pytest.mark.parametrize(
    "query", ["", "?merchant={b.merchant.pk}", "?merchant__id__exact={b.merchant.pk}"]
)
def test_csv_export_holds_only_own_catalog(a_owner, a, b, query):
    response = a_owner.get(admin_url("product", "export_csv") + query.format(b=b))

    assert export_skus(response) == {"ALPHA-SECRET-SKU"}
    assert "merchant-a-catalog" in response["Content-Disposition"]


def test_csv_export_by_platform_staff_picks_the_merchant(client_for, platform_staff, a, b):
    response = client_for(platform_staff).get(
        admin_url("product", "export_csv") + f"?merchant={b.merchant.pk}"
    )

    assert export_skus(response) == {"BRAVO-SECRET-SKU"}


def csv_upload(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: "" for column in COLUMNS} | row)
    return SimpleUploadedFile("catalog.csv", out.getvalue().encode(), content_type="text/csv")


def test_csv_import_writes_only_into_own_merchant(a_owner, a, b):
    before = snapshot(b.merchant)
    # B's product slug and SKU, and B named as the merchant: all of it lands in A's catalog.
    upload = csv_upload(
        [
            {
                "product_slug": "bravo-lantern",
                "product_title": "Hijacked Lantern",
                "category": "home_goods",
                "status": "active",
                "sku": "BRAVO-SECRET-SKU",
                "price": "1.00",
                "stock_on_hand": "0",
            }
        ]
    )

    response = a_owner.post(
        admin_url("product", "import_csv"),
        {"file": upload, "merchant": b.merchant.slug},
        follow=True,
    )

    assert "Imported into Merchant A: 1 product(s) created" in page(response)
    assert snapshot(b.merchant) == before
    imported = Product.objects.get(merchant=a.merchant, slug="bravo-lantern")
    assert imported.variants.get().sku == "BRAVO-SECRET-SKU"


# Roles and accounts that must not reach the catalog


@pytest.fixture
def unverified_owner(make_merchant, make_staff, make_product):
    merchant = make_merchant("merchant-c", verified=False)
    make_product(merchant, "Charlie Lantern")
    return make_staff(merchant)


@pytest.fixture
def host_of_a(a, b, make_staff):
    return make_staff(a.merchant, Membership.Role.HOST)


@pytest.mark.parametrize("who", ["host_of_a", "unverified_owner"])
def test_host_and_unverified_merchant_staff_cannot_change_products(request, client_for, who, a):
    user = request.getfixturevalue(who)
    client = client_for(user)
    product = Product.objects.get(merchant=user.membership.merchant)
    before = list(Product.objects.order_by("pk").values())

    change = client.post(
        admin_url("product", "change", product.pk),
        product_form_data(product.merchant_id, title="Hacked"),
    )
    add = client.post(admin_url("product", "add"), product_form_data(product.merchant_id))
    action = client.post(
        admin_url("product", "changelist"),
        {"action": "make_active", "_selected_action": [product.pk], "index": "0"},
    )
    delete = client.post(admin_url("product", "delete", product.pk), {"post": "yes"})
    import_csv = client.get(admin_url("product", "import_csv"))

    assert [r.status_code for r in (change, add, action, delete, import_csv)] == [403] * 5
    assert list(Product.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("model", ["product", "variant", "productimage", "membership"])
def test_host_does_not_see_the_catalog_or_staff(client_for, host_of_a, model):
    response = client_for(host_of_a).get(admin_url(model, "changelist"))

    assert response.status_code == 403


def test_unverified_merchant_staff_see_nothing(client_for, unverified_owner, a, b):
    client = client_for(unverified_owner)

    index = client.get(reverse("admin:index"))

    assert "You don’t have permission to view or edit anything." in page(index)
    for model in ("product", "variant", "productimage", "merchant", "membership"):
        assert client.get(admin_url(model, "changelist")).status_code == 403


def test_staff_account_without_membership_sees_nothing(client_for, a, b):
    loner = get_user_model().objects.create_user("loner", password="x", is_staff=True)
    client = client_for(loner)

    assert "You don’t have permission to view or edit anything." in page(
        client.get(reverse("admin:index"))
    )
    for model, attr in OBJECTS:
        assert client.get(admin_url(model, "changelist")).status_code == 403
        assert client.get(admin_url(model, "change", getattr(b, attr).pk)).status_code == 403
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "variant", "field_name": "product", "term": ""},
    )
    assert autocomplete.status_code == 403


def test_non_staff_user_cannot_open_the_admin(client_for, a):
    member = a.owner
    member.is_staff = False
    member.save()
    client = client_for(member)

    for url in (reverse("admin:index"), admin_url("product", "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_merchant_staff_cannot_see_merchant_applications(a_owner):
    application = MerchantApplication.objects.create(
        business_name="Secret Co",
        website="https://secret.example",
        contact_name="S",
        contact_email="s@secret.example",
        what_they_sell="Secrets",
    )

    assert "Merchant applications" not in page(a_owner.get(reverse("admin:index")))
    for url in (
        admin_url("merchantapplication", "changelist"),
        admin_url("merchantapplication", "change", application.pk),
        admin_url("merchantapplication", "approve", application.pk),
        admin_url("merchantapplication", "reject", application.pk),
    ):
        assert a_owner.get(url).status_code == 403
    response = a_owner.post(
        admin_url("merchantapplication", "approve", application.pk), {"slug": "secret-co"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.PENDING


def test_owner_cannot_add_staff_or_merchants_or_browse_user_accounts(a_owner, a, b):
    assert a_owner.get(admin_url("membership", "add")).status_code == 403
    assert a_owner.get(admin_url("merchant", "add")).status_code == 403
    assert a_owner.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert a_owner.get(reverse("admin:auth_user_change", args=[b.owner.pk])).status_code == 403


def test_catalog_manager_views_but_cannot_change_own_merchant(client_for, make_staff, a, b):
    client = client_for(make_staff(a.merchant, Membership.Role.CATALOG_MANAGER))
    before = snapshot(a.merchant)

    view = client.get(admin_url("merchant", "change", a.merchant.pk))
    change = client.post(admin_url("merchant", "change", a.merchant.pk), {"name": "Renamed"})

    assert view.status_code == 200
    assert change.status_code == 403
    assert snapshot(a.merchant) == before


# Platform staff


@pytest.mark.parametrize("model", [model for model, _ in OBJECTS])
def test_platform_staff_see_every_merchant(client_for, platform_staff, a, b, model):
    response = client_for(platform_staff).get(admin_url(model, "changelist"))

    assert a.markers[model] in page(response)
    assert b.markers[model] in page(response)


@pytest.mark.parametrize(("model", "attr"), OBJECTS)
def test_platform_staff_open_any_merchants_object(client_for, platform_staff, b, model, attr):
    response = client_for(platform_staff).get(admin_url(model, "change", getattr(b, attr).pk))

    assert response.status_code == 200


def test_platform_staff_filter_by_merchant(client_for, platform_staff, a, b):
    client = client_for(platform_staff)

    products = page(client.get(admin_url("product", "changelist")))
    filtered = page(
        client.get(admin_url("product", "changelist"), {"merchant__id__exact": b.merchant.pk})
    )

    assert "By merchant" in products
    assert "Bravo Lantern" in filtered
    assert "Alpha Lantern" not in filtered


def test_platform_staff_autocomplete_finds_every_merchants_products(
    client_for, platform_staff, a, b
):
    response = client_for(platform_staff).get(
        reverse("admin:autocomplete"),
        {"app_label": "catalog", "model_name": "variant", "field_name": "product", "term": ""},
    )

    assert {r["text"] for r in response.json()["results"]} == {"Alpha Lantern", "Bravo Lantern"}

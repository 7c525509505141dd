import re
from tests.catalog.test_admin_isolation import *  # noqa

def test_dbg(a_owner, a, b):
    data = product_form_data(a.merchant.pk, title="Alpha Lantern", **{
            "variants-TOTAL_FORMS": "1",
            "variants-0-product": b.product.pk,
            "variants-0-sku": "PLANTED",
            "variants-0-price": "1",
            "variants-0-currency": "USD",
            "variants-0-stock_on_hand": "0",
            "variants-0-position": "0",
        })
    r = a_owner.post(admin_url("product", "change", a.product.pk), data)
    print(re.findall(r'<ul class="errorlist[^>]*>.*?</ul>', page(r), re.S))
    r = a_owner.post(admin_url("variant", "changelist"), {
            "_save": "Save", "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000",
            "form-0-id": b.variant.pk, "form-0-stock_on_hand": "0"})
    print(r.status_code, page(r)[:3000])

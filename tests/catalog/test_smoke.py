from django.urls import reverse


def test_shop_page_lists_active_products(client, merchant_a, make_product):
    make_product(merchant_a, "Wool Beanie")
    response = client.get(reverse("catalog:shop", args=["merchant-a"]))
    assert response.status_code == 200
    assert "Wool Beanie" in response.content.decode()

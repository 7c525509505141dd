from django import template

from catalog.money import money_format

register = template.Library()

# 1999, "USD" -> "$19.99": the one money formatter (catalog/money.py), as `{{ amount|money:currency }}`.
money = register.filter("money", money_format)


@register.filter
def thumbnail_url(image, size: int) -> str:
    """`{{ image|thumbnail_url:480 }}`: the smallest stored rendition at least `size` px wide."""
    return image.thumbnail_url(int(size))

from django import template

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$"}


@register.filter
def money(minor: int | None, currency: str = "USD") -> str:
    """1999, "USD" -> "$19.99". Amounts are integers in minor units."""
    if minor is None:
        return ""
    amount = f"{minor // 100:,}.{minor % 100:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


@register.filter
def thumbnail_url(image, size: int) -> str:
    """`{{ image|thumbnail_url:480 }}`: the smallest stored rendition at least `size` px wide."""
    return image.thumbnail_url(int(size))

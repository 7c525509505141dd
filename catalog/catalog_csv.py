"""CSV import and export of a merchant's catalog, one row per variant.

Columns are documented in docs/catalog-csv.md. Import is all-or-nothing: every row is checked first,
every problem is reported (line, column, message), and only a file without problems is written, in
one transaction. An existing variant's stock is set through catalog.stock, which refuses a count
below the units shoppers hold at that moment; such a refusal is a row error too, and rolls the
whole import back.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from catalog import stock
from catalog.models import Category, Currency, Merchant, Product, Variant, sku_validator
from catalog.money import money_parse, money_plain
from catalog.signals import stock_changed_on_commit

PRODUCT_COLUMNS = ["product_title", "category", "status", "description"]
COLUMNS = ["product_slug", *PRODUCT_COLUMNS, *Variant.MERCHANT_FIELDS]
REQUIRED_COLUMNS = ["product_slug", "product_title", "category", "sku", "price", "stock_on_hand"]
MAX_ROWS = 10_000
MAX_STOCK = 1_000_000_000
# Cells a spreadsheet would run as a formula (OWASP's list): prefixed with ' on export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class CatalogImportError(Exception):
    """The file was rejected; nothing was changed. `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was imported.")


@dataclass
class ImportResult:
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0


@dataclass
class _Row:
    line: int
    product: dict = field(default_factory=dict)
    variant: dict = field(default_factory=dict)


def catalog_export_csv(*, merchant: Merchant, out: io.TextIOBase) -> None:
    """Write the merchant's catalog as CSV to `out`, one row per variant."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    variants = (
        Variant.objects.filter(merchant=merchant)
        .select_related("product")
        .order_by("product__slug", "position", "id")
    )
    for variant in variants.iterator(chunk_size=500):
        product = variant.product
        writer.writerow(
            _neutralise(cell)
            for cell in (
                product.slug,
                product.title,
                product.category,
                product.status,
                product.description,
                variant.sku,
                variant.size,
                variant.color,
                money_plain(variant.price),
                money_plain(variant.compare_at_price),
                variant.currency,
                variant.stock_on_hand,
            )
        )


def _neutralise(value) -> str:
    text = "" if value is None else str(value)
    # Also escape text that already looks escaped ('=x), so import restores it exactly.
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def catalog_import_csv(*, merchant: Merchant, data: bytes) -> ImportResult:
    """Create or update the merchant's products and variants from CSV bytes.

    Products are matched by slug and variants by SKU within the merchant; nothing is deleted. An
    optional column left out of the file, or an empty status or currency, keeps the current value
    (or the default, for a new row). Raises CatalogImportError listing every problem; then nothing
    has changed.
    """
    rows = _parse(data, merchant=merchant)
    with transaction.atomic():
        result = _apply(rows, merchant=merchant)
        stock_changed_on_commit(
            Product.objects.filter(
                merchant=merchant, slug__in={r.product["slug"] for r in rows}
            ).values_list("pk", flat=True)
        )
    return result


def _parse(data: bytes, *, merchant: Merchant) -> list[_Row]:
    if len(data) > settings.CATALOG_CSV_MAX_BYTES:
        raise CatalogImportError(
            [
                RowError(
                    0,
                    "",
                    f"The file is larger than {settings.CATALOG_CSV_MAX_BYTES // 1024 // 1024} MB.",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogImportError(
            [
                RowError(
                    line, "", "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
                )
            ]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    header_errors = _check_header(header)
    if header_errors:
        raise CatalogImportError(header_errors)

    errors: list[RowError] = []
    rows: list[_Row] = []
    first_line_of_sku: dict[str, int] = {}
    product_rows: dict[str, _Row] = {}
    try:
        for record in reader:
            line = reader.line_num
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(line, "", f"A file can hold at most {MAX_ROWS} rows."))
                break
            if None in record:
                errors.append(RowError(line, "", "This row has more cells than the header."))
                continue
            if not any((value or "").strip() for value in record.values()):
                continue  # blank line
            row, row_errors = _parse_row(record, line)
            errors.extend(row_errors)
            # Checked even on a row with other problems, so that one round of fixes is enough.
            sku = row.variant["sku"]
            if sku.lower() in first_line_of_sku:
                errors.append(
                    RowError(
                        line,
                        "sku",
                        f"SKU {sku} is already used on line {first_line_of_sku[sku.lower()]}.",
                    )
                )
                continue
            if sku:
                first_line_of_sku[sku.lower()] = line
            if row_errors:
                continue
            slug = row.product["slug"]
            first = product_rows.setdefault(slug, row)
            for column in PRODUCT_COLUMNS:
                key = column.removeprefix("product_")
                if first is not row and row.product.get(key) != first.product.get(key):
                    errors.append(
                        RowError(
                            line,
                            column,
                            f"Differs from line {first.line} for the same product {slug}; "
                            "product columns must match on every row of a product.",
                        )
                    )
            rows.append(row)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", f"The file is not valid CSV: {exc}."))

    if not rows and not errors:
        errors.append(RowError(2, "", "The file has a header but no rows."))
    errors.extend(_check_against_catalog(rows, merchant=merchant))
    if errors:
        raise CatalogImportError(sorted(errors, key=lambda e: e.line))
    return rows


def _check_header(header: list[str]) -> list[RowError]:
    if not header:
        return [RowError(1, "", "The file is empty; the first line must name the columns.")]
    errors = []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        errors.append(RowError(1, "", "Missing column(s): " + ", ".join(missing) + "."))
    unknown = [column or "(a column without a name)" for column in header if column not in COLUMNS]
    if unknown:
        errors.append(
            RowError(
                1,
                "",
                "Unknown column(s): " + ", ".join(unknown) + ". Known: " + ", ".join(COLUMNS) + ".",
            )
        )
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        errors.append(RowError(1, "", "Column(s) named twice: " + ", ".join(duplicated) + "."))
    return errors


def _cell(record: dict, column: str) -> str:
    value = (record.get(column) or "").strip()
    # Undo the export's formula neutralisation, so an exported file imports unchanged.
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        value = value[1:]
    return value


def _given(record: dict, columns: Iterable[str]) -> dict[str, str]:
    """The cells of the optional `columns` that the file has; a missing column keeps the value."""
    return {column: _cell(record, column) for column in columns if column in record}


def _parse_row(record: dict, line: int) -> tuple[_Row, list[RowError]]:
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    slug = _cell(record, "product_slug")
    if not slug:
        fail("product_slug", "Required.")
    elif slug != slugify(slug) or len(slug) > 200:
        fail(
            "product_slug",
            f"'{slug}' is not a valid slug: use lowercase letters, digits and dashes.",
        )
    title = _cell(record, "product_title")
    if not title:
        fail("product_title", "Required.")
    elif len(title) > 200:
        fail("product_title", "At most 200 characters.")
    category = _cell(record, "category")
    if category not in Category.values:
        problem = f"'{category}' is not a category" if category else "Required"
        fail("category", f"{problem}. Use one of: {', '.join(Category.values)}.")
    product = {"slug": slug, "title": title, "category": category}
    product |= _given(record, ["description"])
    status = _cell(record, "status")
    if status:
        product["status"] = status
        if status not in Product.Status.values:
            fail(
                "status",
                f"'{status}' is not a status. Use one of: {', '.join(Product.Status.values)}.",
            )
    sku = _cell(record, "sku")
    if not sku:
        fail("sku", "Required.")
    elif len(sku) > 64:
        fail("sku", "At most 64 characters.")
    else:
        try:
            sku_validator(sku)
        except ValidationError as exc:
            fail("sku", exc.messages[0])
    variant = {"sku": sku, **_given(record, ["size", "color"])}
    for column in ("size", "color"):
        if len(variant.get(column, "")) > 40:
            fail(column, "At most 40 characters.")
    variant["price"] = _money(record, "price", required=True, fail=fail)
    if "compare_at_price" in record:
        variant["compare_at_price"] = _money(record, "compare_at_price", required=False, fail=fail)
        price, compare_at = variant["price"], variant["compare_at_price"]
        if price is not None and compare_at is not None and compare_at <= price:
            fail("compare_at_price", "Must be higher than the price, or empty.")
    currency = _cell(record, "currency").upper()
    if currency:
        variant["currency"] = currency
        if currency not in Currency.values:
            fail(
                "currency",
                f"'{currency}' is not supported. Use one of: {', '.join(Currency.values)}.",
            )
    stock_text = _cell(record, "stock_on_hand")
    if not (stock_text.isascii() and stock_text.isdigit()):
        fail("stock_on_hand", f"'{stock_text}' is not a whole number of 0 or more.")
    elif len(stock_text) > 10 or int(stock_text) > MAX_STOCK:
        fail("stock_on_hand", f"Too large: at most {MAX_STOCK:,}.")
    else:
        variant["stock_on_hand"] = int(stock_text)

    return _Row(line=line, product=product, variant=variant), errors


def _money(record: dict, column: str, *, required: bool, fail) -> int | None:
    text = _cell(record, column)
    if not text:
        if required:
            fail(column, "Required: a price such as 19.99.")
        return None
    try:
        return money_parse(text)  # the Shopping Manager's forms read amounts the same way
    except ValidationError as exc:
        fail(column, exc.messages[0])
        return None


def _check_against_catalog(rows: Iterable[_Row], *, merchant: Merchant) -> list[RowError]:
    """SKUs that already belong to another product of this merchant cannot move by import, a
    compare-at price the file leaves unchanged must stay above the new price, and stock cannot
    drop below the units reserved by shoppers paying now."""
    rows = list(rows)
    existing = {
        sku: (slug, compare_at, reserved)
        for sku, slug, compare_at, reserved in Variant.objects.filter(
            merchant=merchant, sku__in={row.variant["sku"] for row in rows}
        ).values_list("sku", "product__slug", "compare_at_price", "reserved")
    }
    errors = []
    for row in rows:
        sku = row.variant["sku"]
        if sku not in existing:
            continue
        slug, compare_at, reserved = existing[sku]
        if row.variant["stock_on_hand"] < reserved:
            errors.append(_below_reserved(row.line, reserved))
        if slug != row.product["slug"]:
            errors.append(
                RowError(
                    row.line,
                    "sku",
                    f"SKU {sku} belongs to product {slug}, not {row.product['slug']}.",
                )
            )
        elif (
            "compare_at_price" not in row.variant
            and compare_at is not None
            and compare_at <= row.variant["price"]
        ):
            errors.append(
                RowError(
                    row.line,
                    "price",
                    f"Must be below the compare-at price {money_plain(compare_at)}; add a "
                    "compare_at_price column to change or clear that.",
                )
            )
    return errors


def _below_reserved(line: int, reserved: int) -> RowError:
    return RowError(
        line,
        "stock_on_hand",
        f"{reserved} unit(s) are reserved by shoppers paying now; use {reserved} or more.",
    )


def _apply(rows: list[_Row], *, merchant: Merchant) -> ImportResult:
    """Write the checked rows. Raises CatalogImportError when stock is refused (shoppers held
    units since the rows were checked); the caller's transaction then rolls everything back."""
    result = ImportResult()
    errors: list[RowError] = []
    products = {
        p.slug: p
        for p in Product.objects.filter(
            merchant=merchant, slug__in={r.product["slug"] for r in rows}
        )
    }
    variants = {
        v.sku: v
        for v in Variant.objects.filter(merchant=merchant, sku__in={r.variant["sku"] for r in rows})
    }
    seen_products: set[str] = set()
    for position, row in enumerate(rows):
        slug = row.product["slug"]
        product = products.get(slug)
        if slug not in seen_products:
            seen_products.add(slug)
            fields = {k: v for k, v in row.product.items() if k != "slug"}
            if product is None:
                product = Product.objects.create(merchant=merchant, slug=slug, **fields)
                products[slug] = product
                result.products_created += 1
            else:
                for name, value in fields.items():
                    setattr(product, name, value)
                product.save()
                result.products_updated += 1
        variant = variants.get(row.variant["sku"])
        if variant is None:
            Variant.objects.create(
                product=product, merchant=merchant, position=position, **row.variant
            )
            result.variants_created += 1
        else:
            changed = [
                name for name, value in row.variant.items() if getattr(variant, name) != value
            ]
            for name in changed:
                setattr(variant, name, row.variant[name])
            try:
                stock.variant_update(variant=variant, fields=changed)
            except stock.StockBelowReserved as refused:
                errors.append(_below_reserved(row.line, refused.reserved))
            result.variants_updated += 1
    if errors:
        raise CatalogImportError(errors)
    return result

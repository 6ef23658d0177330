"""Catalog import and export (django-import-export): one spreadsheet row per variant.

Columns: product_slug, product_name, category (a category's slug), description, published, sku,
variant_name, options ("size=M;colour=Navy" or a JSON object), price, compare_at_price, stock, weight
(grams), active, images (the product's images: media paths, separated by "|").

- A row finds its variant by SKU (updated) or makes a new one; its product by slug (updated or made).
  The product's columns repeat on each of its rows and must agree.
- An import is all or nothing: a file with one bad row saves nothing, and each bad row is reported
  with its line in the file (the header is line 1), CSV or XLSX alike.
- Validation is the models' own (price >= 0, stock >= 0, unique SKU, the sale price above the
  price...), plus what a file can get wrong: an unknown category, a SKU twice in one file, a product
  whose rows disagree, an image that is not in the media storage.
- Images: a listed media path, or an http(s) URL fetched and stored (image_sources.py), is attached
  if the product lacks it; an import never removes an image.
- After a real import commits, changed stock publishes live like any stock change, changed prices
  reach the price listeners, and the search index and the catalog cache move on.
"""

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from import_export import fields, resources, widgets
from import_export.resources import Diff
from import_export.results import Result
from import_export.tmp_storages import CacheStorage

from commerce.search.services import search_products_sync_on_commit

from .cache import catalog_changed_on_commit
from .image_sources import image_source
from .images import image_renditions_on_commit
from .live import price_changed, stock_publish
from .models import Category, Product, ProductImage, Variant

PRODUCT_COLUMNS = ("product_name", "category", "description", "published", "images")
IMAGE_SEPARATOR = "|"


class UploadStorage(CacheStorage):  # type: ignore[misc]
    """The uploaded file between the dry run and "Confirm import": in the shared cache (Redis in the
    services mode), so the confirm may reach any web process, not only the one that has the file."""

    CACHE_LIFETIME = 3600


class LineNumberedResult(Result):  # type: ignore[misc]
    """Reports a bad row by its line in the file (the header is line 1), as a spreadsheet shows it."""

    def append_error_row(self, number: int, row: Any, errors: Any) -> None:
        super().append_error_row(number + 1, row, errors)

    def append_invalid_row(self, number: int, row: Any, validation_error: ValidationError) -> None:
        super().append_invalid_row(number + 1, row, validation_error)


class CatalogDiff(Diff):  # type: ignore[misc]
    """The dry run's before and after of a row as the file shows it: the product's columns too."""

    def __init__(self, resource: "VariantResource", instance: Variant, new: bool) -> None:
        self.left = resource.row_values(instance)
        self.right: list[str] = []
        self.new = new

    def compare_with(self, resource: "VariantResource", instance: Variant) -> None:
        self.right = resource.row_values(instance)


class YesNoWidget(widgets.Widget):  # type: ignore[misc]
    """ "yes" / "no" in a file; also reads true/false, 1/0."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        text = str(value if value is not None else "").strip().lower()
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        raise ValueError(f'Write "yes" or "no", not "{value}".')

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "yes" if value else "no"


class OptionsWidget(widgets.Widget):  # type: ignore[misc]
    """Variant options as "size=M;colour=Navy" (or a JSON object of strings)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> dict[str, str]:
        text = str(value if value is not None else "").strip()
        if not text:
            return {}
        if text.startswith("{"):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f"Not a JSON object: {error.msg}.") from error
            if not isinstance(parsed, dict) or not all(isinstance(v, str) for v in parsed.values()):
                raise ValueError("Options in JSON must be an object of names to text values.")
            return parsed
        options: dict[str, str] = {}
        for pair in text.split(";"):
            name, sep, choice = pair.partition("=")
            if not sep or not name.strip() or not choice.strip():
                raise ValueError(f'Write options as "name=value;name=value", not "{pair}".')
            options[name.strip()] = choice.strip()
        return options

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return ";".join(f"{name}={choice}" for name, choice in (value or {}).items())


def _number(value: Any) -> Decimal | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValueError(f'"{text}" is not a number.')
    return number


class PlainDecimalWidget(widgets.DecimalWidget):  # type: ignore[misc]
    """A plain decimal ("1234.50"), never localised, so that files round-trip."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        return _number(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class PlainIntegerWidget(widgets.IntegerWidget):  # type: ignore[misc]
    """A whole number ("12"; "12.0" from a spreadsheet too)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        number = _number(value)
        if number is None:
            return None
        if number != number.to_integral_value() or abs(number) > 2**31:
            raise ValueError(f'"{value}" is not a whole number.')
        return int(number)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


def _saved(save: Callable[[], Any], column: str, what: str) -> None:
    """Save in a savepoint: a row written by another import meanwhile (unique SKU or slug) becomes
    this row's error, and the import's transaction stays usable to report it."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        raise ValidationError({column: [f"{what} was just saved by someone else: import the file again."]}) from None


def _text(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


def _image_paths(text: str) -> list[str]:
    return [part.strip() for part in text.split(IMAGE_SEPARATOR) if part.strip()]


class VariantResource(resources.ModelResource):  # type: ignore[misc]
    product_slug = fields.Field(column_name="product_slug")
    product_name = fields.Field(column_name="product_name")
    category = fields.Field(column_name="category")
    description = fields.Field(column_name="description")
    published = fields.Field(column_name="published")
    sku = fields.Field(attribute="sku", column_name="sku")
    variant_name = fields.Field(attribute="name", column_name="variant_name")
    options = fields.Field(attribute="options", column_name="options", widget=OptionsWidget())
    price = fields.Field(attribute="price", column_name="price", widget=PlainDecimalWidget())
    compare_at_price = fields.Field(
        attribute="compare_at_price", column_name="compare_at_price", widget=PlainDecimalWidget()
    )
    stock = fields.Field(attribute="stock", column_name="stock", widget=PlainIntegerWidget())
    weight = fields.Field(attribute="weight", column_name="weight", widget=PlainIntegerWidget())
    active = fields.Field(attribute="is_active", column_name="active", widget=YesNoWidget())
    images = fields.Field(column_name="images")

    class Meta:
        model = Variant
        fields = (
            "product_slug",
            *PRODUCT_COLUMNS[:4],
            "sku",
            "variant_name",
            "options",
            "price",
            "compare_at_price",
            "stock",
            "weight",
            "active",
            "images",
        )
        import_id_fields = ("sku",)
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._categories: dict[str, Category | None] = {}
        self._store_images = False  # a real import stores the pictures it fetches (import_data_inner)
        self._products: dict[str, tuple[int, tuple[str, ...]]] = {}  # slug -> (first line, its columns)
        self._skus: dict[str, int] = {}  # SKU -> first line
        self._line = 0  # the line of the row being imported
        self._product_changed: set[int] = set()  # lines whose product they changed
        self._moved: dict[str, set[int]] = {"stock": set(), "price": set(), "products": set()}

    def import_data_inner(self, dataset: Any, dry_run: bool, *args: Any, **kwargs: Any) -> Any:
        self._store_images = not dry_run  # pictures named by URL: fetched and checked either way, stored for real
        return super().import_data_inner(dataset, dry_run, *args, **kwargs)

    @classmethod
    def get_result_class(cls) -> type[Result]:
        return LineNumberedResult

    def get_export_queryset(self, request: Any = None) -> Any:
        return Variant.objects.select_related("product__category").prefetch_related("product__images")

    def export(self, queryset: Any = None, **kwargs: Any) -> Any:
        """Rows by product then variant, the order a file lists them in."""
        queryset = self.get_export_queryset() if queryset is None else queryset
        queryset = queryset.select_related("product__category").prefetch_related("product__images")
        return super().export(queryset=queryset.order_by("product_id", "position", "pk"), **kwargs)

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Result:
        """All or nothing: a row that fails validation rolls the whole file back too."""
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    # Export: the product's columns.

    def get_diff_class(self) -> type[Diff]:
        return CatalogDiff

    def row_values(self, variant: Variant) -> list[str]:
        return [self.export_field(field, variant) for field in self.get_import_fields()]

    def dehydrate_product_slug(self, variant: Variant) -> str:
        return variant.product.slug if variant.product_id else ""

    def dehydrate_product_name(self, variant: Variant) -> str:
        return variant.product.name if variant.product_id else ""

    def dehydrate_category(self, variant: Variant) -> str:
        return variant.product.category.slug if variant.product_id else ""

    def dehydrate_description(self, variant: Variant) -> str:
        return variant.product.description if variant.product_id else ""

    def dehydrate_published(self, variant: Variant) -> str:
        if not variant.product_id:
            return ""
        return "yes" if variant.product.is_published else "no"

    def dehydrate_images(self, variant: Variant) -> str:
        if not variant.product_id:
            return ""
        return IMAGE_SEPARATOR.join(image.image.name for image in variant.product.images.all())

    # Import.

    def import_instance(self, instance: Variant, row: dict[str, Any], **kwargs: Any) -> None:
        line = self._line = kwargs["row_number"] + 1
        before = (instance.stock, instance.is_active, instance.price) if instance.pk else None
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        sku = _text(row, "sku")
        if sku in self._skus:
            errors.setdefault("sku", []).append(f'SKU "{sku}" is on line {self._skus[sku]} of this file already.')
        else:
            self._skus[sku] = line
        try:
            self._import_product(instance, row, line)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        if before is None or before[:2] != (instance.stock, instance.is_active):
            instance._import_moved_stock = True  # type: ignore[attr-defined]
        if before is not None and before[2] != instance.price:
            instance._import_moved_price = True  # type: ignore[attr-defined]

    def _import_product(self, instance: Variant, row: dict[str, Any], line: int) -> None:
        """Find or make the row's product, update it from the row's columns, and set it on `instance`."""
        slug = _text(row, "product_slug")
        if not slug:
            raise ValidationError({"product_slug": ["Give the product's slug."]})
        columns = tuple(_text(row, column) for column in PRODUCT_COLUMNS)
        first = self._products.setdefault(slug, (line, columns))
        if first[1] != columns:
            differ = ", ".join(c for c, a, b in zip(PRODUCT_COLUMNS, first[1], columns, strict=True) if a != b)
            raise ValidationError({"product_slug": [f'Product "{slug}" has other {differ} on line {first[0]}.']})
        name, category_slug, description, published, images = columns
        errors: dict[str, list[str]] = {}
        category = self._category(category_slug)
        if category is None:
            errors["category"] = [f'No category has the slug "{category_slug}".']
        try:
            is_published = YesNoWidget().clean(published)
        except ValueError as error:
            errors["published"] = [str(error)]
        found = [image_source(text, store=self._store_images) for text in _image_paths(images)]
        paths = [path for path, _ in found]
        image_errors = [why for _, why in found if why]
        if image_errors:
            errors["images"] = image_errors
        if errors or category is None:
            raise ValidationError(errors)
        product = Product.objects.filter(slug=slug).first() or Product(slug=slug)
        wanted = {"name": name, "category_id": category.pk, "description": description, "is_published": is_published}
        changed = product.pk is None or any(getattr(product, f) != v for f, v in wanted.items())
        for field, value in wanted.items():
            setattr(product, field, value)
        if changed:
            product.full_clean()
            _saved(product.save, "product_slug", f'Product "{slug}"')
            self._product_changed.add(line)
        known = set(product.images.values_list("image", flat=True)) if paths else set()
        for position, path in enumerate(paths):
            if path not in known:
                image = ProductImage.objects.create(product=product, image=path, position=position)
                image_renditions_on_commit(image_pks=[image.pk])  # its sizes, once a real import commits
                known.add(path)
                self._product_changed.add(line)
        instance.product = product

    def _category(self, slug: str) -> Category | None:
        if slug not in self._categories:
            self._categories[slug] = Category.objects.filter(slug=slug).first() if slug else None
        return self._categories[slug]

    def skip_row(
        self, instance: Variant, original: Any, row: dict[str, Any], import_validation_errors: Any = None
    ) -> bool:
        if self._line in self._product_changed:
            return False
        return bool(super().skip_row(instance, original, row, import_validation_errors))

    def validate_instance(
        self, instance: Variant, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, "product"] if errors else None, validate_unique=validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: Variant, is_create: bool, row: dict[str, Any], **kwargs: Any) -> None:
        _saved(
            lambda: super(VariantResource, self).save_instance(instance, is_create, row, **kwargs), "sku", "This SKU"
        )

    def after_save_instance(self, instance: Variant, row: dict[str, Any], **kwargs: Any) -> None:
        if getattr(instance, "_import_moved_stock", False):
            self._moved["stock"].add(instance.pk)
        if getattr(instance, "_import_moved_price", False):
            self._moved["price"].add(instance.pk)
        self._moved["products"].add(instance.product_id)

    def after_import(self, dataset: Any, result: Result, **kwargs: Any) -> None:
        """Once a real import is sure to commit: the effects of its changes, as the admin's edits have."""
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        if self._moved["stock"]:
            stock_publish(sorted(self._moved["stock"]))
        if self._moved["price"]:
            price_changed(sorted(self._moved["price"]))
        if self._moved["products"]:
            search_products_sync_on_commit(product_pks=sorted(self._moved["products"]))
        catalog_changed_on_commit()

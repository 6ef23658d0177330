"""What the catalog API answers: products (summaries and the full product), variants, pictures, categories.

Amounts are decimal strings ("12.50") with the store's `currency`; stock figures are the database's
at the moment of the call (the pages' cached parts never hold them either). Built from the catalog's
selectors' querysets (variants and images prefetched), so a list costs the same few queries at any size.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpRequest
from ninja import Field, Schema

from commerce.catalog.models import Category, Product, ProductImage, Variant, stock_level
from commerce.reviews.models import Review

Money = str


def public() -> dict[str, Any]:
    """An operation's `openapi_extra` for reads anyone may make: the token is optional (`{}` in `security`)."""
    return {"security": [{}]}


class RenditionOut(Schema):
    width: int = Field(description="Width in pixels.")
    height: int = Field(description="Height in pixels.")
    format: Literal["webp", "jpeg"]
    url: str


class ImageOut(Schema):
    alt: str = Field(description="The picture's text alternative (the product's name when none was given).")
    url: str = Field(description="The original file.")
    width: int | None = Field(description="The original's width in pixels (null until its sizes are made).")
    height: int | None
    renditions: list[RenditionOut] = Field(description="Smaller copies, each as WebP and JPEG, narrowest first.")


class CategoryRefOut(Schema):
    slug: str
    name: str
    url: str = Field(description="The category's page.")


class ProductSummaryOut(Schema):
    slug: str
    name: str
    url: str = Field(description="The product's page.")
    summary: str = Field(description="A short plain-text description (up to 160 characters).")
    category: str = Field(description="The slug of the product's category.")
    price_from: Money | None = Field(description='The lowest price of its options, e.g. "12.50" (null: none for sale).')
    price_to: Money | None = Field(description="The highest price of its options.")
    currency: str = Field(description="ISO 4217 code of every amount.")
    rating_average: Money | None = Field(description='Average of the published reviews ("4.50"), null without any.')
    rating_count: int
    in_stock: bool = Field(description="At least one option can be bought now.")
    image: ImageOut | None = Field(description="The main picture, if any.")


class VariantOut(Schema):
    pk: int = Field(description="The id to add to a cart.")
    sku: str
    name: str
    options: dict[str, str] = Field(description='e.g. {"size": "M", "colour": "Navy"}')
    price: Money
    compare_at_price: Money | None = Field(description="On sale: the price before the sale.")
    currency: str
    stock: int = Field(description="How many can be bought now.")
    stock_level: Literal["in", "low", "out"] = Field(
        description="What the page says: in stock, only a few left, sold out."
    )
    in_stock: bool


class ProductOut(ProductSummaryOut):
    description: str = Field(description="Plain text, as written.")
    category_path: list[CategoryRefOut] = Field(description="The category and its parents, from the top.")
    variants: list[VariantOut] = Field(description="The options for sale, in the page's order.")
    images: list[ImageOut]


class CategoryOut(Schema):
    slug: str
    name: str
    url: str
    parent: str | None = Field(description="The parent category's slug; null at the top.")
    depth: int = Field(description="0 at the top.")
    description: str


class CategoryDetailOut(CategoryOut):
    path: list[CategoryRefOut] = Field(description="The category's parents from the top, then itself.")
    children: list[CategoryRefOut] = Field(description="Its subcategories that have products.")
    product_count: int = Field(description="Products for sale in it and in the categories under it.")


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def image_out(request: HttpRequest, image: ProductImage, alt: str) -> dict[str, Any]:
    """A picture with its sizes (commerce/catalog/images.py); sizes made from a replaced original are left out."""
    renditions = image.renditions or {}
    if renditions.get("name") != image.image.name:
        renditions = {}
    files = [
        {"width": f["width"], "height": f["height"], "format": fmt, "url": _url(request, f[key])}
        for f in renditions.get("files", [])
        for fmt, key in (("webp", "webp"), ("jpeg", "jpeg"))
    ]
    return {
        "alt": image.alt or alt,
        "url": _url(request, image.image.name),
        "width": renditions.get("width"),
        "height": renditions.get("height"),
        "renditions": files,
    }


def _url(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(default_storage.url(str(name)))


def category_ref(request: HttpRequest, category: Category) -> dict[str, Any]:
    return {
        "slug": category.slug,
        "name": category.name,
        "url": request.build_absolute_uri(category.get_absolute_url()),
    }


def variant_out(variant: Variant) -> dict[str, Any]:
    options = variant.options if isinstance(variant.options, dict) else {}
    return {
        "pk": variant.pk,
        "sku": variant.sku,
        "name": variant.name,
        "options": {str(key): str(value) for key, value in options.items()},
        "price": money(variant.price),
        "compare_at_price": money(variant.compare_at_price),
        "currency": settings.STORE_CURRENCY,
        "stock": int(variant.stock),
        "stock_level": stock_level(variant.stock),
        "in_stock": variant.stock > 0,
    }


def product_summary(request: HttpRequest, product: Product) -> dict[str, Any]:
    """A product of `product_listing` or `product_detail`: its prefetched active variants give prices and stock."""
    variants = list(product.variants.all())
    prices = [v.price for v in variants]
    images = list(product.images.all())
    return {
        "slug": product.slug,
        "name": product.name,
        "url": request.build_absolute_uri(product.get_absolute_url()),
        "summary": product.page_description,
        "category": product.category.slug,
        "price_from": money(min(prices)) if prices else None,
        "price_to": money(max(prices)) if prices else None,
        "currency": settings.STORE_CURRENCY,
        "rating_average": money(product.rating_average),
        "rating_count": product.rating_count,
        "in_stock": any(v.stock > 0 for v in variants),
        "image": image_out(request, images[0], product.name) if images else None,
    }


class StarsOut(Schema):
    stars: int = Field(description="1 to 5.")
    count: int
    percent: int = Field(description="Of all published reviews, rounded.")


class ReviewOut(Schema):
    pk: int
    rating: int = Field(description="1 to 5 stars.")
    title: str
    body: str = Field(description="Plain text, as written by the shopper (escape it before showing it as HTML).")
    author: str = Field(description='A first name and an initial ("Pat S."), never an email.')
    created_at: datetime
    reply: str = Field(description="The store's reply, if any.")
    replied_at: datetime | None


class ReviewsOut(Schema):
    rating_average: Money | None
    rating_count: int
    distribution: list[StarsOut] = Field(description="Published reviews per star rating, 5 down to 1.")
    next: str | None = Field(description="The next page's address; null on the last.")
    previous: str | None
    results: list[ReviewOut] = Field(description="Published reviews, newest first.")


def review_out(review: Review) -> dict[str, Any]:
    return {
        "pk": review.pk,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "author": review.author_name,
        "created_at": review.created_at,
        "reply": review.reply,
        "replied_at": review.replied_at,
    }

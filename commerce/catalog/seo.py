"""What search engines and link previews read: absolute addresses, descriptions, Open Graph and
Twitter tags, schema.org JSON-LD (Product, BreadcrumbList, Organization).

The product page's part is built with its cached body (`product_seo`, once per catalog version) and
finished per request with the stock of the moment (`product_head`), so that the JSON-LD's
availability never contradicts the badges on the page; static/js/structured-data.js keeps it so
when a stock push arrives.
"""

import copy
import json
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from commerce.money import round_amount

from .models import Category, Product, ProductImage, Variant, stock_level

SCHEMA = "https://schema.org"
IN_STOCK, OUT_OF_STOCK = f"{SCHEMA}/InStock", f"{SCHEMA}/OutOfStock"
DESCRIPTION_LENGTH = 160
# As django.utils.html.json_script: the JSON stays JSON, and no "</script>" or "<!--" in it ends the element.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(url: str) -> str:
    """`url` as an absolute address on SITE_URL (one a storage already made absolute is kept)."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return f"{urlsplit(settings.SITE_URL).scheme}:{url}"
    site: str = settings.SITE_URL
    return site.rstrip("/") + url


def summary(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    """Plain text on one line, cut at a word to at most `length` characters (a meta description)."""
    return Truncator(" ".join(strip_tags(text).split())).chars(length, truncate="…")


def product_description(product: Product) -> str:
    """The product's SEO description, or a summary of its description, or a sentence naming it."""
    return summary(product.seo_description or product.description) or f"{product.name} at {settings.STORE_NAME}."


def availability(stock: int) -> str:
    return OUT_OF_STOCK if stock_level(stock) == "out" else IN_STOCK


def json_ld(data: dict[str, Any], *, element_id: str = "") -> SafeString:
    """A `<script type="application/ld+json">` holding `data`: data, not code, so the CSP lets it be."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    if element_id:
        return format_html('<script type="application/ld+json" id="{}">{}</script>', element_id, SafeString(text))
    return format_html('<script type="application/ld+json">{}</script>', SafeString(text))


def category_trail(category: Category) -> list[Category]:
    """The category and the categories above it, outermost first (nested categories have a `parent`)."""
    trail, seen = [category], {category.pk}
    parent = getattr(category, "parent", None)
    while parent is not None and parent.pk not in seen:
        trail.insert(0, parent)
        seen.add(parent.pk)
        parent = getattr(parent, "parent", None)
    return trail


def breadcrumbs(items: list[tuple[str, str]]) -> dict[str, Any]:
    """schema.org BreadcrumbList of (name, address) pairs."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute(url)}
            for n, (name, url) in enumerate(items, start=1)
        ],
    }


def product_seo(product: Product, variants: list[Variant], images: list[ProductImage]) -> dict[str, Any]:
    """The product page's head as every shopper sees it, without the availability (`product_head` adds it)."""
    url = absolute(product.get_absolute_url())
    description = product_description(product)
    pictures = [absolute(image.image.url) for image in images]
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Product",
        "@id": f"{url}#product",
        "name": product.name,
        "description": description,
        "url": url,
        "brand": {"@type": "Brand", "name": settings.STORE_NAME},
    }
    if pictures:
        data["image"] = pictures
    if len(variants) == 1:
        data["sku"] = variants[0].sku
    if variants:
        data["offers"] = [
            {
                "@type": "Offer",
                "@id": f"{url}#offer-{variant.pk}",  # store.js finds a pushed option's offer by it
                "sku": variant.sku,
                "name": variant.name,
                "price": str(round_amount(variant.price)),
                "priceCurrency": settings.STORE_CURRENCY,
                "url": url,
                "seller": {"@type": "Organization", "name": settings.STORE_NAME},
            }
            for variant in variants
        ]
    if product.rating_count > 0 and product.rating_average is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(product.rating_average),
            "reviewCount": product.rating_count,
            "bestRating": 5,
            "worstRating": 1,
        }
    trail = [("Shop", reverse("catalog:list"))]
    trail += [(category.name, category.get_absolute_url()) for category in category_trail(product.category)]
    social = {
        "type": "product",
        "title": product.page_title,
        "description": description,
        "url": url,
        "image": pictures[0] if pictures else "",
        "image_alt": (images[0].alt or product.name) if images else "",
        "price": str(round_amount(min(v.price for v in variants))) if variants else "",
        "currency": settings.STORE_CURRENCY,
    }
    return {
        "product": data,
        "offers": [variant.pk for variant in variants],
        "breadcrumbs": breadcrumbs([*trail, (product.name, product.get_absolute_url())]),
        "social": social,
    }


def product_head(seo: dict[str, Any], stock: dict[int, int]) -> dict[str, Any]:
    """The head of one request's product page: the cached part with each offer's availability now."""
    data = copy.deepcopy(seo["product"])  # the cached entry is shared by every request
    for offer, pk in zip(data.get("offers", []), seo["offers"], strict=True):
        offer["availability"] = availability(stock.get(pk, 0))
    return {
        "social": {**seo["social"], "in_stock": any(stock.get(pk, 0) > 0 for pk in seo["offers"])},
        "json_ld": json_ld(data, element_id="product-ld") + json_ld(seo["breadcrumbs"]),
    }


def organization() -> dict[str, Any]:
    """The store as an Organization, and its search as a WebSite's SearchAction (the home page)."""
    home = absolute(reverse("catalog:list"))
    search = absolute(reverse("search:results"))
    store: dict[str, Any] = {"@type": "Organization", "@id": f"{home}#organization", "name": settings.STORE_NAME}
    store["url"] = home  # no "logo": the store has none but its name (a data: icon is no logo)
    site = {
        "@type": "WebSite",
        "name": settings.STORE_NAME,
        "url": home,
        "publisher": {"@id": f"{home}#organization"},
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }
    return {"@context": SCHEMA, "@graph": [store, site]}

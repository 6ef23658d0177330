from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from commerce.page_sections import render_sections
from project.http import HtmxHttpRequest
from realtime.pages import follow

from . import cache as catalog_cache
from . import selectors, seo
from .models import Category
from .templatetags.stock import fill_stock, request_mark, stock_figures


@require_GET
@vary_on_headers("HX-Request")
def product_list(request: HtmxHttpRequest) -> HttpResponse:
    """The catalog: sort and pages; htmx requests get the results partial.

    The old filter address `/?category=<slug>` moves for good to the category's page, with its sort and page."""
    if category_slug := request.GET.get("category"):
        category = get_object_or_404(Category, slug=category_slug)
        kept = QueryDict(mutable=True)
        for name in ("sort", "page"):
            if request.GET.get(name):
                kept[name] = request.GET[name]
        url = category.get_absolute_url() + (f"?{kept.urlencode()}" if kept else "")
        return HttpResponsePermanentRedirect(url)
    return _listing_page(request, category_slug=None)


@require_GET
@vary_on_headers("HX-Request")
def category_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A category's page: its title, description and subcategories, and the products of it and of the
    categories under it, with the list's sort and pages (htmx requests get the results partial)."""
    return _listing_page(request, category_slug=slug)


def _listing_page(request: HtmxHttpRequest, *, category_slug: str | None) -> HttpResponse:
    listing = _listing(category_slug=category_slug, sort=request.GET.get("sort"), page=request.GET.get("page"))
    follow(request, *listing["topics"])
    results = fill_stock(listing["results"], listing["variants"])  # the stock of this moment
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        return HttpResponse(results)
    shared = {
        "head": mark_safe(listing["head"]),  # noqa: S308 - rendered by templates
        "filters": mark_safe(listing["filters"]),  # noqa: S308 - rendered by templates
        "results": mark_safe(results),  # noqa: S308 - rendered by templates
    }
    shown = {"title": listing["title"], "description": listing["description"], **shared}
    return render(request, "catalog/list.html", {"listing": shown})


def _listing(*, category_slug: str | None, sort: str | None, page: str | None) -> dict[str, Any]:
    """What the list page shows every shopper alike, from the cache when the catalog has not changed.

    Keys name the catalog version and the normalized query: a category that exists (an unknown
    one is a 404, never stored), a known sort, and a page number that exists (anything else is
    rendered and not stored), so the keys stay as few as the catalog's real pages.
    """
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    # A plain page number is a key; the rest (page 0, "-1", "abc": Paginator.get_page's fallbacks) is not.
    number = int(page) if page and page.isascii() and page.isdigit() and len(page) < 7 else 1 if not page else 0
    version = catalog_cache.catalog_version() if number and catalog_cache.enabled() else None  # before any query
    if version is None:
        return _listing_render(category_slug=category_slug, sort=sort, page=page)
    parts = [version, catalog_cache.layout_tag(), category_slug or "", sort, number, settings.CATALOG_PAGE_SIZE]
    return catalog_cache.get_or_make(
        "catalog:list:" + ":".join(map(str, parts)),
        lambda: _listing_render(category_slug=category_slug, sort=sort, page=page),
        keep=lambda entry: entry["number"] == number,  # past the last page: shown, not stored
    )


def _listing_render(*, category_slug: str | None, sort: str, page: str | None) -> dict[str, Any]:
    query = selectors.listing_query_parse(category_slug=category_slug, sort=sort)
    paginator = Paginator(selectors.product_listing(query), settings.CATALOG_PAGE_SIZE)
    shown = paginator.get_page(page)
    params = QueryDict(mutable=True)  # the pages' links carry the query, not whatever else the URL had
    if query.sort != selectors.DEFAULT_SORT:
        params["sort"] = query.sort
    categories = selectors.category_list()
    category = query.category
    subcategories = selectors.category_children_shown(categories, category) if category else []
    context = {
        "query": query,
        "page": shown,
        "params": params,
        "address": category.get_absolute_url() if category else reverse("catalog:list"),
        "categories": categories,
        "subcategories": subcategories,
        "sorts": {key: label for key, (label, _) in selectors.SORTS.items()},
        "stock_later": True,  # marks where the stock goes: filled on every request, never cached
    }
    head = ""
    if category is not None:
        head = render_to_string("catalog/_category_head.html", {"path": selectors.category_path(category)})
    return {
        "title": category.page_title if category else "",
        "description": _category_summary(category, paginator.count) if category else "",
        "head": head,
        "filters": render_to_string("catalog/_filters.html", context),
        "results": render_to_string("catalog/_results.html", context),
        "topics": [f"stock.{v.pk}" for product in shown.object_list for v in product.variants.all()],
        "variants": {product.pk: [v.pk for v in product.variants.all()] for product in shown.object_list},
        "number": shown.number,
    }


def _category_summary(category: Category, count: int) -> str:
    """The category page's meta description: its SEO description, its description, or a summary."""
    products = f"{count} product{'' if count == 1 else 's'}"
    return category.page_description or f"Shop {category.name} at {settings.STORE_NAME}: {products}."


@require_GET
def product_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One product with its variants, prices and stock, and the add-to-cart form."""
    shown = _product(slug)
    follow(request, *(f"stock.{pk}" for pk in shown["variants"]))
    stock = stock_figures(shown["variants"])  # the stock of this moment, for the badges and the JSON-LD alike
    body = fill_stock(shown["body"], {shown["product"]: shown["variants"]}, stock=stock)
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
    body = body.replace(CSRF_MARK, csrf).replace(NEXT_MARK, escape(request.get_full_path()))
    # What other areas add (reviews, recommendations, "Save", "Notify me"): commerce/page_sections.py.
    where = {"product": shown["product"], "variants": shown["variants"]}
    body = body.replace(BUY_MARK, render_sections(request, "product:buy", **where))
    after = render_sections(request, "product:after", **where)
    head = seo.product_head(shown["seo"], stock)
    shown = {"title": shown["title"], "description": shown["description"], "body": mark_safe(body), "after": after}  # noqa: S308 - rendered by templates, then escaped values
    shown["head"] = head
    return render(request, "catalog/product.html", {"shown": shown})


CSRF_MARK, NEXT_MARK, BUY_MARK = request_mark("csrf"), request_mark("next"), request_mark("buy")


def _product(slug: str) -> dict[str, Any]:
    """The product page's body as every shopper sees it, with marks for the stock and the request's own
    (commerce/catalog/templatetags/stock.py), once per catalog version and product (a 404 is never stored)."""

    def render_body() -> dict[str, Any]:
        product = selectors.product_detail(slug=slug)
        variants = list(product.variants.all())
        context = {
            "product": product,
            "variants": variants,
            "images": list(product.images.all()),
            "category_path": selectors.category_path(product.category),
            "MAX_LINE_QUANTITY": settings.CART_MAX_LINE_QUANTITY,
            "stock_later": True,
        }
        return {
            "product": product.pk,
            "variants": [v.pk for v in variants],
            "title": product.page_title,
            "description": seo.product_description(product),
            "body": render_to_string("catalog/_product_body.html", context),
            "seo": seo.product_seo(product, variants, context["images"]),
        }

    version = catalog_cache.catalog_version() if catalog_cache.enabled() else None  # before any query
    if version is None:
        return render_body()
    key = f"catalog:product:{version}:{catalog_cache.layout_tag()}:{slug}"
    return catalog_cache.get_or_make(key, render_body, keep=lambda entry: True)

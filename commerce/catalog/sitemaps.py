"""`/sitemap.xml` (an index of `/sitemap-<section>.xml`, each paginated by Django's sitemaps framework,
so a large catalog splits by itself) and `/robots.txt` naming it.

Addresses are absolute on SITE_URL, whatever host a request came in on (the sites framework is not
installed: the sections name their own domain and scheme)."""

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .models import Category, Product

CACHE_SECONDS = 3600
# Pages that are one shopper's own, staff's, or fragments for htmx: nothing for a search engine.
PRIVATE_PATHS = (
    "/cart/",
    "/checkout/",
    "/accounts/",
    "/orders/",
    "/wishlist/",
    "/help/",
    "/support/",
    "/ops/",
    "/admin/",
    "/search/",
    "/alerts/",
    "/reviews/",
    "/notifications/",
    "/payments/",
    "/live/",
)


class _OnSiteUrl(Sitemap[Any]):
    limit = 5000  # URLs per page of a section (the protocol allows 50,000 and 50 MB)

    @property
    def protocol(self) -> str:  # type: ignore[override]
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(str(settings.SITE_URL)).netloc


class ProductSitemap(_OnSiteUrl):
    changefreq = "daily"

    def items(self) -> QuerySet[Product]:
        return Product.objects.live().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item: Product) -> datetime:
        return item.updated_at


class CategorySitemap(_OnSiteUrl):
    changefreq = "daily"

    def items(self) -> QuerySet[Category]:
        live = Q(products__deleted_at__isnull=True, products__is_published=True)
        return Category.objects.annotate(newest=Max("products__updated_at", filter=live)).order_by("pk")

    def lastmod(self, item: Category) -> datetime | None:
        return item.newest  # type: ignore[attr-defined, no-any-return]


class PageSitemap(_OnSiteUrl):
    """The store's own pages that are not a product or a category."""

    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["catalog:list"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS: dict[str, type[Sitemap[Any]] | Sitemap[Any]] = {
    "pages": PageSitemap,
    "categories": CategorySitemap,
    "products": ProductSitemap,
}


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """`/sitemap.xml`: the sections and their pages."""
    response = sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap-section")
    assert isinstance(response, TemplateResponse)  # noqa: S101 - the framework's, not rendered yet
    # The framework names the sections on the request's host; the store's address is SITE_URL.
    site = str(settings.SITE_URL).rstrip("/")
    for item in response.context_data["sitemaps"]:  # type: ignore[index]
        where = urlsplit(item.location)
        item.location = site + where.path + (f"?{where.query}" if where.query else "")
    return response


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """`/sitemap-<section>.xml` (`?p=2` and on for the next pages)."""
    return sitemap_views.sitemap(request, SITEMAPS, section=section)


@require_safe
@cache_control(public=True, max_age=CACHE_SECONDS)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """`/robots.txt`: the sitemap, and the private pages kept out."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS)]
    lines += ["", f"Sitemap: {settings.SITE_URL.rstrip('/')}{reverse('sitemap')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from project.http import HtmxHttpRequest
from realtime.pages import follow

from . import selectors


@require_GET
@vary_on_headers("HX-Request")
def product_list(request: HtmxHttpRequest) -> HttpResponse:
    """The catalog: category filter, sort and pages; htmx requests get the results partial."""
    query = selectors.listing_query_parse(
        category_slug=request.GET.get("category") or None, sort=request.GET.get("sort")
    )
    paginator = Paginator(selectors.product_listing(query), settings.CATALOG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    follow(request, *(f"stock.{v.pk}" for product in page.object_list for v in product.variants.all()))
    context = {
        "query": query,
        "page": page,
        "categories": selectors.category_list(),
        "sorts": {key: label for key, (label, _) in selectors.SORTS.items()},
    }
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    template = "catalog/list.html#results" if partial else "catalog/list.html"
    return render(request, template, context)


@require_GET
def product_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One product with its variants, prices and stock, and the add-to-cart form."""
    product = selectors.product_detail(slug=slug)
    variants = list(product.variants.all())
    follow(request, *(f"stock.{v.pk}" for v in variants))
    selected = next((v for v in variants if not v.is_sold_out), variants[0] if variants else None)
    return render(
        request,
        "catalog/product.html",
        {"product": product, "variants": variants, "selected": selected, "images": list(product.images.all())},
    )

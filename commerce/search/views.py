from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from project.http import HtmxHttpRequest
from realtime.pages import follow

from . import selectors
from .backends.base import SORTS


@require_GET
@vary_on_headers("HX-Request")
def results(request: HtmxHttpRequest) -> HttpResponse:
    """The search page: results, facets, sort and pages; htmx requests get the results partial."""
    params = selectors.search_params_parse(request.GET)
    page = selectors.search_page(params)
    follow(request, *(f"stock.{v.pk}" for product in page.products for v in product.variants.all()))
    sorts = {key: label for key, label in SORTS.items() if params.q or key != "relevance"}
    context = {"params": params, "page": page, "sorts": sorts}
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    return render(request, "search/results.html#results" if partial else "search/results.html", context)


@require_GET
def suggest(request: HtmxHttpRequest) -> HttpResponse:
    """Suggestions for the header search box, as listbox options."""
    text, suggestions = selectors.search_suggestions(request.GET.get("q", ""))
    response = render(request, "search/_suggestions.html", {"text": text, "suggestions": suggestions})
    response["Cache-Control"] = "private, max-age=30"
    return response

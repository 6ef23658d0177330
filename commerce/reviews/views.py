"""Shopper pages: post a review, more reviews of a product. Staff moderation is in ops_views.py."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from commerce.catalog.models import Product
from project.http import HtmxHttpRequest

from . import live, parts, services
from .errors import ReviewError
from .forms import ReviewForm
from .sections import form_area_context


def _after(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 12 else None


@require_GET
def review_list(request: HtmxHttpRequest, product: int) -> HttpResponse:
    """The page of reviews after `?after=<review>`: appended to the list (htmx), or a page of its own."""
    shown = get_object_or_404(Product.objects.live(), pk=product)
    after = _after(request.GET.get("after"))
    if request.htmx and not request.htmx.boosted:
        return HttpResponse(parts.list_html(shown.pk, after=after))
    html = mark_safe(parts.list_html(shown.pk, after=after, whole=True))  # noqa: S308 - rendered by templates
    return render(request, "reviews/list_page.html", {"product": shown, "list": html})


@require_POST
def review_post(request: HtmxHttpRequest, product: int) -> HttpResponse:
    """Publish the signed-in verified buyer's review; the form again with its errors (422) otherwise."""
    shown = get_object_or_404(Product.objects.live(), pk=product)
    context = form_area_context(request, shown.pk)
    refusal = context["refusal"]
    if isinstance(refusal, ReviewError):
        raise refusal  # the form was not offered: answered with the message (project/errors.py)
    form = ReviewForm(request.POST)
    # htmx swaps the form area; a browser without JavaScript gets it on a page of its own.
    template = "reviews/_form_area.html" if request.htmx else "reviews/form_page.html"
    context["product"] = shown
    if not form.is_valid():
        return render(request, template, {**context, "form": form}, status=422)
    try:
        review = services.review_post(user=request.user, product_pk=shown.pk, **form.cleaned_data)  # type: ignore[arg-type]
    except ReviewError as error:
        if error.code in {"bad_rating", "no_body", "too_long"}:
            return render(request, template, {**context, "form": form, "error": error}, status=422)
        raise
    if not request.htmx:
        return redirect(f"{shown.get_absolute_url()}#reviews")
    # This tab's own copy of what the push brings every page (the push then changes nothing here).
    html = render(request, "reviews/_form_area.html", {**context, "form": None, "posted": True}).content.decode()
    html += live.review_added_fragment(review) + live.figures_fragment(shown.pk)
    return HttpResponse(html)

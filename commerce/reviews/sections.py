"""The product page's reviews section (`product:after`, commerce/page_sections.py)."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from commerce.page_sections import Part

from . import live, parts, selectors
from .forms import ReviewForm
from .models import Review


def form_area_context(request: HttpRequest, product_pk: int) -> dict[str, object]:
    """What this person is offered: the form, or why not (a guest, a non-buyer, a review already written)."""
    refusal = selectors.review_refusal(user=request.user, product_pk=product_pk)
    mine = None
    if refusal is not None and refusal.code == "already_reviewed":
        mine = Review.objects.filter(product_id=product_pk, user_id=request.user.pk or 0).first()
    return {
        "product_pk": product_pk,
        "refusal": refusal,
        "mine": mine,
        "form": ReviewForm() if refusal is None else None,
        "next": request.get_full_path(),
    }


def reviews_section(request: HttpRequest, *, product: int, **context: object) -> Part:
    """`#reviews`: the shared summary and first page (cached per product), and this person's form area."""
    shared = parts.shared_parts(product)
    html = render_to_string(
        "reviews/_section.html",
        {
            "summary": mark_safe(shared["summary"]),  # noqa: S308 - rendered by templates
            "list": mark_safe(shared["list"]),  # noqa: S308 - rendered by templates
            **form_area_context(request, product),
        },
        request=request,
    )
    return Part(html=html, topics=[live.topic(product)])

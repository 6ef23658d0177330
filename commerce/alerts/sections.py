"""The alert region under the product page's add-to-cart form (page section `product:buy`)."""

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from commerce.page_sections import Part

from .selectors import open_alerts_of


def product_buy(request: HttpRequest, *, variants: list[int], **_: Any) -> Part:
    """Where "Notify me" answers; a signed-in person's open alerts here (one small query), which the
    offer's push to `user.<pk>` (followed by every page of theirs) updates in place."""
    user = request.user
    alerts = open_alerts_of(user=user, variant_pks=variants) if user.is_authenticated else []
    context = {"alerts": alerts, "csrf_token": get_token(request)}  # no context processors: this runs on every view
    return Part(html=render_to_string("alerts/_region.html", context))

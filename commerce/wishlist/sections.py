"""The "Save" button this area adds to the product page (the `product:buy` slot, commerce/page_sections.py)."""

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from commerce.page_sections import Part

from .session import is_saved_for_request


def save_button(request: HttpRequest, *, product: int, variants: list[int], **context: Any) -> Part | None:
    """This person's state for the product ("Save" / "Saved"): one small query, or the session.
    A product with no option for sale cannot be saved, and shows no button."""
    if not variants:
        return None
    saved = is_saved_for_request(request, product)
    html = render_to_string("wishlist/_toggle.html", {"product_pk": product, "saved": saved}, request=request)
    return Part(html=html)

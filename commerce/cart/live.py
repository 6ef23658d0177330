"""Live carts: the `cart.<pk>` topic keeps every tab and device of one cart identical."""

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from realtime import pages, topics
from realtime.broadcast import publish_on_commit

from .models import SESSION_KEY, Cart
from .selectors import cart_for_request, cart_summary


def cart_fragment(cart: Cart) -> str:
    """The badge and the cart page body, both swapped out of band (a page shows what it has)."""
    summary = cart_summary(cart)
    context = {
        "summary": summary,
        "cart_count": summary.count,
        "oob_badge": True,
        "push": True,
        "MAX_LINE_QUANTITY": settings.CART_MAX_LINE_QUANTITY,
    }
    return render_to_string("cart/detail.html#cart-body", context)


def cart_snapshot(key: str) -> str | None:
    cart = Cart.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return cart_fragment(cart) if cart else None


def cart_publish(cart: Cart) -> None:
    """Render the cart once, now (inside the writer's transaction), and push it after commit."""
    publish_on_commit(f"cart.{cart.pk}", cart_fragment(cart))


def page_topics(request: HttpRequest) -> list[str]:
    if not request.user.is_authenticated and not request.session.get(SESSION_KEY):
        return []
    cart = cart_for_request(request)
    return [f"cart.{cart.pk}"] if cart else []


def register() -> None:
    topics.register("cart", cart_snapshot)
    pages.add_page_topics(page_topics)

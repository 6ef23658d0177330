"""Live carts: the `cart.<pk>` topic keeps every tab and device of one cart identical."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from commerce.orders.totals import summary_lines
from realtime import broadcast, hub, pages, topics
from realtime.broadcast import publish_on_commit

from .estimate import cart_estimate
from .forms import EstimateForm
from .models import SESSION_KEY, Cart
from .selectors import CartSummary, cart_summary
from .session import shown_summary


def cart_context(summary: CartSummary) -> dict[str, Any]:
    """What the cart body shows, read from the cart alone (the same for every tab of it)."""
    estimate = (
        cart_estimate(summary.cart, now=timezone.now(), lines=summary_lines(summary))
        if summary.cart and summary.lines
        else None
    )
    return {
        "summary": summary,
        "cart_count": summary.count,
        "estimate": estimate,
        "breakdown": estimate.breakdown if estimate else None,
        "estimate_form": EstimateForm(
            initial={"country": estimate.country, "region": estimate.region} if estimate else None,
            auto_id="estimate-%s",
        ),
        "MAX_LINE_QUANTITY": settings.CART_MAX_LINE_QUANTITY,
    }


def cart_fragment(cart: Cart) -> str:
    """The badge and the cart page body, both swapped out of band (a page shows what it has)."""
    context = cart_context(cart_summary(cart)) | {"oob_badge": True, "push": True}
    return render_to_string("cart/detail.html#cart-body", context)


def cart_snapshot(key: str) -> str | None:
    cart = Cart.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return cart_fragment(cart) if cart else None


def cart_publish(cart: Cart) -> None:
    """Render the cart once, now (inside the writer's transaction), and push it after commit."""
    publish_on_commit(f"cart.{cart.pk}", cart_fragment(cart))


# Carts read per round when a code's carts are pushed again: a code held by a million carts is
# never loaded at once, and only the carts some page follows are rendered.
CODE_CARTS_CHUNK = 500


def code_carts_publish(code: str) -> int:
    """Push again every cart holding `code` that some page follows now (the code expired, was used
    up, given back or edited: the carts' figures change); return how many were pushed."""
    pushed, after = 0, 0
    while True:
        pks = list(
            Cart.objects.filter(discount_code=code, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:CODE_CARTS_CHUNK]
        )
        if not pks:
            return pushed
        after = pks[-1]
        watched = hub.followed([f"cart.{pk}" for pk in pks])
        for cart in Cart.objects.filter(pk__in=[pk for pk in pks if f"cart.{pk}" in watched]).order_by("pk"):
            pushed += broadcast.publish(f"cart.{cart.pk}", cart_fragment(cart))


# Pushed to a person's own topic when their cart is created: pages opened before it
# existed re-sign their topics (static/js/store.js) and start following the cart.
REFRESH_FRAGMENT = '<span id="live-refresh" hx-swap-oob="true" data-signal hidden></span>'


def owner_topic(*, user_pk: int | None, session_key: str | None) -> str | None:
    """`user.<pk>`, or for a guest `visitor.<digest of the session key>` (the key itself stays secret)."""
    if user_pk is not None:
        return f"user.{user_pk}"
    if not session_key:
        return None
    return f"visitor.{topics.digest(session_key, purpose='visitor')}"


def cart_created_publish(*, user_pk: int | None, session_key: str | None) -> None:
    topic = owner_topic(user_pk=user_pk, session_key=session_key)
    if topic:
        publish_on_commit(topic, REFRESH_FRAGMENT)


def page_topics(request: HttpRequest) -> list[str]:
    if not request.user.is_authenticated and request.session.session_key is None:
        # A first visit: nothing to follow yet, and no session written for it (crawlers and new visitors
        # cost the database nothing). The tab that creates the cart is told in its answer and tells
        # this browser's other tabs (static/js/store.js); they re-sign and follow the visitor topic then.
        return []
    owner = owner_topic(
        user_pk=request.user.pk if request.user.is_authenticated else None,
        session_key=request.session.session_key,
    )
    followed = [owner] if owner else []
    if not request.user.is_authenticated and not request.session.get(SESSION_KEY):
        return followed
    cart = shown_summary(request).cart  # the read the page's header shows
    return [*followed, f"cart.{cart.pk}"] if cart else followed


# --- Who may follow what (matches cart_for_request, and the support thread page) ----------------


def cart_allowed(viewer: topics.Viewer, key: str) -> bool:
    """The viewer's own cart; agents may follow any (the support thread shows the customer's cart)."""
    if not key.isdigit():
        return False
    user = viewer.user
    if user.is_authenticated:
        return Cart.objects.filter(pk=int(key), user_id=user.pk).exists() or user.in_role("support")
    return str(viewer.session.get(SESSION_KEY)) == key and Cart.objects.filter(pk=int(key), user__isnull=True).exists()


def user_allowed(viewer: topics.Viewer, key: str) -> bool:
    return bool(viewer.user.is_authenticated) and str(viewer.user.pk) == key


def visitor_allowed(viewer: topics.Viewer, key: str) -> bool:
    session_key = viewer.session.session_key
    return bool(session_key) and owner_topic(user_pk=None, session_key=session_key) == f"visitor.{key}"


def register() -> None:
    topics.register("cart", cart_snapshot, allowed=cart_allowed)
    topics.register("user", lambda key: None, allowed=user_allowed)
    topics.register("visitor", lambda key: None, allowed=visitor_allowed)
    pages.add_page_topics(page_topics)

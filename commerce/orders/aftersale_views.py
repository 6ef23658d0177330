"""The order page's after-sale actions for its owner: cancel the order, ask to return items.

Only the owner (signed in) or the guest session or link that may view the order acts; anyone else,
staff too, gets a 404, as for an order they may not see."""

import re

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from commerce.accounts.models import User
from project.errors import error_response
from project.http import HtmxHttpRequest

from .aftersale import after_sale
from .cancellation import order_cancel_by_owner
from .errors import OrderError
from .models import Order
from .returns import return_request
from .selectors import token_grants
from .session import order_for_request, session_orders

LINE_FIELD = "line-"
_WHOLE = re.compile(r"[0-9]{1,6}")
PANEL = "orders/_after_sale_answer.html"


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def owned_order(request: HttpRequest, number: str) -> Order:
    """The order if this request is its owner's (or its guest's session or link), else 404."""
    token = request.POST.get("k") or None
    order = order_for_request(request, number, token=token)
    user = _user(request)
    if order.user_id is not None:
        if user is None or order.user_id != user.pk:
            raise Http404("No such order.")
    elif order.number not in session_orders(request.session) and not token_grants(token, order.number):
        raise Http404("No such order.")
    return order


def _answer(
    request: HtmxHttpRequest, order: Order, *, notice: str = "", error: OrderError | None = None
) -> HttpResponseBase:
    if not request.htmx:
        if error:
            messages.error(request, error.message)
        elif notice:
            messages.success(request, notice)
        return redirect(order.get_absolute_url())
    order.refresh_from_db()
    context = {
        "order": order,
        "after": after_sale(order),
        "events": list(order.events.select_related("actor")),
        "notice": notice,
        "oob": True,
    }
    if error is not None:
        return error_response(request, PANEL, context, error)
    return render(request, PANEL, context)


@require_POST
def order_cancel(request: HtmxHttpRequest, number: str) -> HttpResponseBase:
    order = owned_order(request, number)
    try:
        done = order_cancel_by_owner(order=order, actor=_user(request))
    except OrderError as exc:
        return _answer(request, order, error=exc)
    if done.status == Order.Status.CANCELLED:
        notice = "Your order is cancelled; you were not charged for it."
    elif done.status == Order.Status.REFUNDED:
        notice = "Your order is cancelled and refunded in full."
    else:
        notice = "Your order is cancelled; the refund is on its way and this page shows it when it is done."
    return _answer(request, done, notice=notice)


def _quantities(request: HttpRequest) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for name in request.POST:
        if not name.startswith(LINE_FIELD):
            continue
        pk, raw = name.removeprefix(LINE_FIELD), request.POST.get(name, "").strip()
        if not pk.isascii() or not pk.isdigit():
            raise OrderError.not_returnable("That item is not in this order.")
        if raw == "":
            continue
        if not raw.isascii() or not _WHOLE.fullmatch(raw):
            raise OrderError.not_returnable(f"“{raw[:20]}” is not a number of items. Enter a whole number such as 1.")
        quantities[int(pk)] = int(raw)
    return quantities


@require_POST
def order_return(request: HtmxHttpRequest, number: str) -> HttpResponseBase:
    order = owned_order(request, number)
    try:
        return_request(
            order=order,
            actor=_user(request),
            quantities=_quantities(request),
            reason=request.POST.get("reason", ""),
        )
    except OrderError as exc:
        return _answer(request, order, error=exc)
    return _answer(request, order, notice="Your return request is sent. We will answer here and by email.")

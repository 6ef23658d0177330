"""Ops pages: the live dashboard (/ops/), one order for staff (/ops/orders/<number>/), actions."""

import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from commerce.accounts.models import User
from commerce.accounts.permissions import role_required
from commerce.money import from_minor
from commerce.orders.aftersale import after_sale
from commerce.orders.models import Order
from commerce.orders.totals import order_breakdown
from commerce.payments.errors import PaymentError
from commerce.payments.refunds import refund_amount_minor
from project.errors import error_response
from project.http import HtmxHttpRequest
from realtime.pages import follow, page_topics_off

from . import filters, live, selectors, services
from .returns import return_act
from .services import DESTRUCTIVE, OpsError
from .store_day import store_today

View = Callable[..., HttpResponseBase]


ops_page = role_required("ops")


def _feed_context(request: HtmxHttpRequest) -> dict[str, Any]:
    flt = filters.feed_filter(request.GET)
    return {
        "filter": flt,
        "orders": selectors.feed(flt),
        "accepts": " ".join(flt.accepts(store_today())),
        "statuses": filters.STATUSES,
        "feed_limit": settings.OPS_FEED_LIMIT,
    }


@ops_page
@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    context = _feed_context(request)
    if request.htmx and request.htmx.target == "ops-feed" and not request.htmx.history_restore_request:
        return render(request, "ops/_feed.html", context)  # the filters, or a resync after a reconnect
    page_topics_off(request)
    follow(request, live.DASHBOARD)
    context["board"] = selectors.board()
    context["refresh_seconds"] = settings.OPS_REFRESH_SECONDS
    context["store_time_zone"] = settings.TIME_ZONE
    return render(request, "ops/dashboard.html", context)


@ops_page
@require_GET
def dashboard_live(request: HtmxHttpRequest) -> HttpResponse:
    """The panels as out-of-band parts: the page re-reads them now and then (holds near expiry, the chart's
    sliding hour and late problems change with time, not only with events)."""
    return HttpResponse(live.dashboard_fragment())


def _order_context(request: HtmxHttpRequest, number: str, **extra: Any) -> dict[str, Any]:
    file = selectors.order_file(number)
    if file is None:
        raise Http404("No such order.")
    return {
        "file": file,
        "order": file.order,
        "breakdown": order_breakdown(file.order),
        "events": file.events,
        "request_key": secrets.token_urlsafe(12),
        "after": after_sale(file.order),
        **extra,
    }


@ops_page
@require_GET
def order_detail(request: HtmxHttpRequest, number: str) -> HttpResponse:
    context = _order_context(request, number)
    if request.htmx and request.htmx.target == "ops-actions" and not request.htmx.history_restore_request:
        return render(request, "ops/_actions.html", context)  # the status changed elsewhere
    page_topics_off(request)
    follow(request, f"order.{context['order'].pk}")
    return render(request, "ops/order.html", context)


def _amount(raw: str, currency: str) -> Decimal | None:
    try:
        minor = refund_amount_minor(raw, currency)
    except PaymentError as exc:
        raise OpsError(exc.message) from exc
    return None if minor is None else from_minor(minor, currency)


LINE_FIELD = "line-"
_WHOLE = re.compile(r"[0-9]{1,9}")


def _line_quantities(data: QueryDict) -> dict[int, int]:
    """The refund form's `line-<order line pk>` fields that ask for some units (empty or 0: none)."""
    quantities: dict[int, int] = {}
    for name in data:
        if not name.startswith(LINE_FIELD):
            continue
        pk, raw = name.removeprefix(LINE_FIELD), data.get(name, "").strip()
        if not pk.isascii() or not pk.isdigit():
            raise OpsError("That item is not in this order. Nothing was refunded.")
        if raw in {"", "0"}:
            continue
        if raw[0] in "-−" and _WHOLE.fullmatch(raw[1:].strip()):
            raise OpsError("The number of items to refund cannot be negative. Nothing was refunded.")
        if not _WHOLE.fullmatch(raw):
            shown = raw if len(raw) <= 20 else raw[:20] + "…"
            raise OpsError(f"“{shown}” is not a number of items. Enter a whole number such as 1, or leave it empty.")
        if int(raw):
            quantities[int(pk)] = int(raw)
    return quantities


@ops_page
@require_POST
def order_action(request: HtmxHttpRequest, number: str) -> HttpResponseBase:
    """One action on one order, from a feed row or the order page; always answers with the current state."""
    order = get_object_or_404(Order, number=number.upper())
    assert isinstance(request.user, User)  # noqa: S101 - ops_page guarantees it
    action = request.POST.get("action", "")
    notice = ""
    error: OpsError | None = None
    try:
        if action in DESTRUCTIVE and request.POST.get("confirm") != "yes":
            raise OpsError("Tick the box to confirm: this cannot be undone.")
        result = services.order_act(
            order=order,
            action=action,
            actor=request.user,
            seen_status=request.POST.get("seen", ""),
            tracking_number=request.POST.get("tracking_number", ""),
            amount=_amount(request.POST.get("amount", ""), order.currency) if action == "refund" else None,
            lines=_line_quantities(request.POST) if action == "refund" else None,
            reason=request.POST.get("reason", "")[:200],
            reason_public=request.POST.get("reason_public") == "yes",
            request_key=request.POST.get("key", "")[:64],
        )
        notice = result.message
    except OpsError as exc:
        error = exc
    if request.POST.get("from") == "row":

        def row() -> dict[str, Any]:
            return {"order": selectors.feed_row(order.pk), "notice": notice, "oob": True}

        return _answer(request, order, notice, error, "ops/_row.html", row)
    return _answer(request, order, notice, error, "ops/_actions.html", lambda: _actions_context(request, order, notice))


@ops_page
@require_POST
def order_return(request: HtmxHttpRequest, number: str) -> HttpResponseBase:
    """Approve, refuse or receive (and refund) the order's return; answers with the actions panel."""
    order = get_object_or_404(Order, number=number.upper())
    assert isinstance(request.user, User)  # noqa: S101 - ops_page guarantees it
    action = request.POST.get("action", "")
    notice = ""
    error: OpsError | None = None
    try:
        if action == "receive" and request.POST.get("confirm") != "yes":
            raise OpsError("Tick the box to confirm: the refund goes through Stripe and cannot be undone.")
        notice = return_act(
            order=order,
            action=action,
            actor=request.user,
            note=request.POST.get("note", "")[:500],
            restock=request.POST.get("restock") == "yes",
            refund_shipping=request.POST.get("shipping") == "yes",
        )
    except OpsError as exc:
        error = exc
    return _answer(request, order, notice, error, "ops/_actions.html", lambda: _actions_context(request, order, notice))


def _actions_context(request: HtmxHttpRequest, order: Order, notice: str) -> dict[str, Any]:
    return _order_context(request, order.number, notice=notice, live_oob=True)


def _answer(
    request: HtmxHttpRequest,
    order: Order,
    notice: str,
    error: OpsError | None,
    template: str,
    context: Callable[[], dict[str, Any]],
) -> HttpResponseBase:
    """An order action's answer: without htmx, its message on the order page; with it, `template`
    with the current state, at the error's status when the action was refused."""
    if not request.htmx:
        messages.add_message(request, messages.ERROR if error else messages.SUCCESS, error.message if error else notice)
        return redirect("ops:order", number=order.number)
    if error is not None:
        return error_response(request, template, context(), error)
    return render(request, template, context())

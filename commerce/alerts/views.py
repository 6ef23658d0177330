"""'Notify me' on a sold-out option: one click when signed in; a guest gives an email and confirms it."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from commerce.catalog.models import Variant
from project.clients import client_address
from project.http import HtmxHttpRequest
from project.throttle import throttle

from . import selectors, services
from .errors import AlertError
from .forms import AlertEmailForm

# Sign-ups per client address and per person (a guest's address gets a confirmation email each).
RATE_PER_ADDRESS = "30/hour"
RATE_PER_PERSON = "10/hour"


def _variant(pk: int) -> Variant:
    return get_object_or_404(
        Variant.objects.select_related("product"),
        pk=pk,
        is_active=True,
        product__is_published=True,
        product__deleted_at__isnull=True,
    )


def _answer(request: HtmxHttpRequest, variant: Variant, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The alert region's new content (htmx), or a page that shows the same (no JavaScript)."""
    context = {"variant": variant, "product": variant.product, **context}
    template = "alerts/_answer.html" if request.htmx else "alerts/signup.html"
    return render(request, template, context, status=status)


@require_POST
def subscribe(request: HtmxHttpRequest, variant: int) -> HttpResponse:
    """Signed in: put the person on the option's list. A guest: the email form, then the emailed link."""
    shown = _variant(variant)
    user = request.user if request.user.is_authenticated else None
    if shown.stock > 0:
        error = AlertError(f"{shown.name} is in stock now: choose it above and add it to your cart.")
        return _answer(request, shown, {"error": error}, status=error.status)
    email = ""
    if user is None:
        if "email" not in request.POST:
            return _answer(request, shown, {"form": AlertEmailForm(auto_id="stock-alert-%s")})
        form = AlertEmailForm(request.POST, auto_id="stock-alert-%s")
        if not form.is_valid():
            return _answer(request, shown, {"form": form}, status=422)
        email = form.cleaned_data["email"]
    person = str(user.pk) if user is not None else email
    throttle("stock_alert", [(RATE_PER_ADDRESS, client_address(request)), (RATE_PER_PERSON, person)])
    try:
        result = services.alert_subscribe(variant=shown, user=user, email=email)
    except AlertError as exc:
        return _answer(request, shown, {"error": exc}, status=exc.status)
    if not request.htmx:
        messages.success(request, _said(result))
        return redirect(shown.product.get_absolute_url())
    # The region shows every open alert of this person on the product, the one just asked for first.
    others = []
    if user is not None:
        variant_pks = [v.pk for v in shown.product.variants.all()]
        others = [a for a in selectors.open_alerts_of(user=user, variant_pks=variant_pks) if a.pk != result.alert.pk]
    lines = [{"alert": result.alert, "message": _said(result)}] + [{"alert": a, "message": ""} for a in others]
    return _answer(request, shown, {"lines": lines})


def _said(result: services.Subscribed) -> str:
    alert = result.alert
    name = alert.variant.name
    if alert.state == alert.State.PENDING:
        if not result.created:
            return f"We already sent a link to {alert.email}: open it to join the list for {name}."
        return f"Check your inbox: open the link we sent to {alert.email} to join the list for {name}."
    if not result.created:
        return f"You're already on the list for {name}."
    return f"We'll email you when {name} is back."


@require_http_methods(["GET", "POST"])
def confirm(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The link emailed to a guest: a page that asks them to confirm (GET), and the confirmation (POST).

    Confirming takes a click, not just the opening: mail scanners open the links in an email too.
    """
    alert = selectors.alert_from_link(token)
    if alert is None:
        raise Http404("This link has expired. Ask again from the product page.")
    if request.method == "POST":
        if services.alert_confirm(alert=alert) or alert.state != alert.State.PENDING:
            messages.success(
                request, f"You're on the list: we'll email {alert.email} when {alert.variant.name} is back."
            )
        return redirect(alert.variant.product.get_absolute_url())
    return render(request, "alerts/confirm.html", {"alert": alert, "variant": alert.variant})

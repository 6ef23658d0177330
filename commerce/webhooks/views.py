"""Ops pages for outgoing webhooks: endpoints (/ops/webhooks/), one endpoint with its delivery log."""

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from commerce.accounts.models import User
from commerce.accounts.permissions import role_required

from . import services
from .forms import EndpointForm
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

LOG_LENGTH = 50  # deliveries shown on an endpoint's page, newest first


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _save(request: HttpRequest, form: EndpointForm, endpoint: WebhookEndpoint | None) -> WebhookEndpoint:
    data = form.cleaned_data
    return services.endpoint_save(
        endpoint=endpoint,
        url=data["url"],
        description=data["description"],
        events=data["events"],
        active=data["active"],
        actor=_actor(request),
    )


@role_required("ops")
@require_http_methods(["GET", "POST"])
def endpoint_list(request: HttpRequest) -> HttpResponseBase:
    """Every endpoint, and the form that registers a new one."""
    form = EndpointForm(request.POST) if request.method == "POST" else EndpointForm()
    if request.method == "POST" and form.is_valid():
        endpoint = _save(request, form, None)
        messages.success(request, "Endpoint added. Give its signing secret to the receiver.")
        return redirect(endpoint)
    endpoints = WebhookEndpoint.objects.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.SUCCEEDED)),
        failed=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
        waiting=Count("deliveries", filter=Q(deliveries__status__in=["pending", "sending"])),
    ).order_by("-created_at", "-pk")
    return render(
        request, "ops/webhooks.html", {"form": form, "endpoints": endpoints}, status=400 if form.errors else 200
    )


@role_required("ops")
@require_http_methods(["GET", "POST"])
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One endpoint: change it, its secret, and its deliveries with every attempt."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    form = EndpointForm(request.POST) if request.method == "POST" else EndpointForm.of(endpoint)
    if request.method == "POST" and form.is_valid():
        _save(request, form, endpoint)
        messages.success(request, "Endpoint saved.")
        return redirect(endpoint)
    deliveries = endpoint.deliveries.prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-at", "-pk"))
    ).order_by("-created_at", "-pk")[:LOG_LENGTH]
    context = {"endpoint": endpoint, "form": form, "deliveries": deliveries}
    return render(request, "ops/webhook.html", context, status=400 if form.errors else 200)


@role_required("ops")
@require_POST
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A new signing secret for the endpoint (the old one stops working at once)."""
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    services.endpoint_rotate_secret(endpoint=endpoint)
    messages.success(request, "New secret made: give it to the receiver. The old one no longer signs.")
    return redirect(endpoint)


@role_required("ops")
@require_POST
def delivery_resend(request: HttpRequest, pk: int, delivery: int) -> HttpResponseBase:
    """Send one event to the endpoint again now (staff's "Send again")."""
    row = get_object_or_404(WebhookDelivery, pk=delivery, endpoint_id=pk)
    if services.delivery_resend(delivery=row):
        messages.success(request, f"{row.event_type} queued to be sent again.")
    else:
        messages.info(request, f"{row.event_type} is being sent right now; try again in a moment.")
    return redirect("webhooks:endpoint", pk=pk)

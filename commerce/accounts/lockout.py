"""How django-axes counts sign-in failures and answers a locked-out person (settings: AXES_*)."""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from project.clients import client_address


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The account a sign-in is for, as stored (emails are lower-cased), so `A@x.com` and `a@x.com` count as one."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username")
    return str(raw).strip().lower() if raw is not None else None


def address_of(request: HttpRequest) -> str | None:
    """The client's address (project.clients: honours BEHIND_PROXY and PROXY_HOPS), or None if it is not an IP.

    Axes stores it in an IP address column; requests with no readable address share one count.
    """
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """429 with the sign-in page and how long to wait, for the shop's login and the admin's alike."""
    minutes = lockout_minutes()
    message = (
        f"Too many failed sign-in attempts. For your security, signing in is paused: "
        f"please wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
    )
    return render(request, "accounts/locked_out.html", {"message": message, "minutes": minutes}, status=429)

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from commerce.cart.services import cart_adopt_on_login
from commerce.cart.session import cart_summary_for_request, session_cart_pk
from commerce.orders.selectors import orders_of
from commerce.wishlist.services import wishlist_adopt_on_login
from project.clients import client_address
from project.errors import error_response
from project.throttle import Throttled, throttle

from . import privacy, services
from .errors import AccountError
from .forms import PasswordConfirmForm, SignupForm
from .live import sockets_close_for_session
from .models import User

# Accounts made from a sign-up link are signed in directly, not through authenticate().
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _adopt_cart(request: HttpRequest, user: User, guest_cart_pk: int | None) -> None:
    result = cart_adopt_on_login(user=user, guest_cart_pk=guest_cart_pk, session=request.session)
    if result is not None and result.capped:
        messages.warning(
            request,
            "Your carts were combined. Some quantities were lowered to what is in stock: " + ", ".join(result.capped),
        )


def _safe_next(request: HttpRequest, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return ""


class LoginView(auth_views.LoginView):
    """Sign in, then fold the guest cart into the account's cart."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        guest_cart_pk = session_cart_pk(self.request.session)
        response = super().form_valid(form)
        _adopt_cart(self.request, form.get_user(), guest_cart_pk)
        wishlist_adopt_on_login(user=form.get_user(), session=self.request.session)
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out, and close this browser session's live sockets (every tab, every process)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key  # logging out flushes the session: read it first
        response = super().post(request, *args, **kwargs)
        if session_key:
            sockets_close_for_session(session_key)
        return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponseBase:
    """Ask for an account: the link that creates it is emailed (the same answer whether or not one exists)."""
    if request.user.is_authenticated:
        return redirect("accounts:account")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                throttle(
                    "signup",
                    [
                        (settings.SIGNUP_RATE_PER_ADDRESS, client_address(request)),
                        (settings.SIGNUP_RATE_PER_EMAIL, email),
                    ],
                )
                services.signup_request(
                    email=email,
                    password=form.cleaned_data["password1"],
                    first_name=form.cleaned_data["first_name"],
                    next_url=_safe_next(request, next_url),
                )
            except Throttled as exc:
                form.add_error(None, f"Too many sign-up attempts. Please wait {exc.wait_text} and try again.")
                status = 429
            except AccountError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                return render(request, "accounts/signup_sent.html", {"email": email})
        else:
            status = 422
    else:
        form = SignupForm()
        status = 200
    return render(request, "accounts/signup.html", {"form": form, "next": next_url}, status=status)


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponseBase:
    """The emailed link: confirm, and the account is created and signed in, keeping the guest cart."""
    if request.user.is_authenticated:
        return redirect("accounts:account")
    try:
        link = services.signup_link_read(token)
        if request.method == "POST":
            guest_cart_pk = session_cart_pk(request.session)
            user = services.signup_complete(link=link)
            login(request, user, backend=MODEL_BACKEND)
            _adopt_cart(request, user, guest_cart_pk)
            wishlist_adopt_on_login(user=user, session=request.session)
            messages.success(request, "Welcome! Your account is ready and you're signed in.")
            return redirect(_safe_next(request, link.next_url) or "accounts:account")
    except AccountError as exc:
        return error_response(request, "accounts/signup_link.html", {}, exc)
    return render(request, "accounts/signup_confirm.html", {"email": link.email})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Show the signed-in person's details and cart at a glance."""
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    context = {"summary": cart_summary_for_request(request), "orders": orders_of(request.user)[:20]}
    return render(request, "accounts/account.html", context)


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponseBase:
    """Which messages to get, by email and by text, and the number for texts."""
    from commerce.notifications.forms import PreferencesForm, field_name
    from commerce.notifications.models import PREFERENCE_EVENTS, Channel
    from commerce.notifications.services import preferences_save

    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST, user=user)
        if form.is_valid():
            choices = {
                (e.value, c.value): bool(form.cleaned_data.get(field_name(e, c)))
                for e in PREFERENCE_EVENTS
                for c in Channel
            }
            preferences_save(user=user, phone=form.cleaned_data.get("phone") or "", choices=choices)
            messages.success(request, "Your notification settings are saved.")
            return redirect("accounts:notifications")
        status = 422
    else:
        form = PreferencesForm(user=user)
        status = 200
    return render(request, "accounts/notifications.html", {"form": form}, status=status)


@login_required
@require_GET
def data_export(request: HttpRequest) -> HttpResponse:
    """Download my data: one JSON file of what the store holds about the signed-in person."""
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    data = privacy.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponseBase:
    """Delete my account, confirmed with the password; staff accounts are closed by an administrator."""
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    user = request.user
    form = PasswordConfirmForm(request.POST or None, user=user)
    status = 200
    if user.is_staff:
        form.add_error(None, "Staff accounts are closed by an administrator.")
        status = 403
    elif request.method == "POST":
        if form.is_valid():
            session_key = request.session.session_key
            privacy.account_delete(user=user)
            logout(request)
            if session_key:
                sockets_close_for_session(session_key)
            messages.success(request, "Your account is deleted. Thank you for shopping with us.")
            return redirect("catalog:list")
        status = 422
    return render(request, "accounts/account_delete.html", {"form": form}, status=status)

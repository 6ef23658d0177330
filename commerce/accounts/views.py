from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from commerce.cart.selectors import cart_summary_for_request
from commerce.cart.services import cart_adopt_on_login
from commerce.orders.selectors import orders_of

from .forms import SignupForm
from .live import sockets_close_for_session
from .models import User


def _adopt_cart(request: HttpRequest, user: User, guest_cart_pk: int | None) -> None:
    result = cart_adopt_on_login(user=user, guest_cart_pk=guest_cart_pk, session=request.session)
    if result is not None and result.capped:
        messages.warning(
            request,
            "Your carts were combined. Some quantities were lowered to what is in stock: " + ", ".join(result.capped),
        )


class LoginView(auth_views.LoginView):
    """Sign in, then fold the guest cart into the account's cart."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        guest_cart_pk = self.request.session.get("cart_pk")
        response = super().form_valid(form)
        _adopt_cart(self.request, form.get_user(), guest_cart_pk)
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out, and close this browser session's live sockets (every tab, every process)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key  # logging out flushes the session: read it first
        response = super().post(request, *args, **kwargs)
        if session_key:
            sockets_close_for_session(session_key)
        return response


def signup(request: HttpRequest) -> HttpResponseBase:
    """Create an account and sign in, keeping the guest cart."""
    if request.user.is_authenticated:
        return redirect("accounts:account")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            guest_cart_pk = request.session.get("cart_pk")
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            _adopt_cart(request, user, guest_cart_pk)
            if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                return redirect(next_url)
            return redirect("accounts:account")
        status = 422
    else:
        form = SignupForm()
        status = 200
    return render(request, "accounts/signup.html", {"form": form, "next": next_url}, status=status)


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
    from commerce.notifications.models import Channel, Event
    from commerce.notifications.services import preferences_save

    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST, user=user)
        if form.is_valid():
            choices = {
                (e.value, c.value): bool(form.cleaned_data.get(field_name(e, c))) for e in Event for c in Channel
            }
            preferences_save(user=user, phone=form.cleaned_data.get("phone") or "", choices=choices)
            messages.success(request, "Your notification settings are saved.")
            return redirect("accounts:notifications")
        status = 422
    else:
        form = PreferencesForm(user=user)
        status = 200
    return render(request, "accounts/notifications.html", {"form": form}, status=status)

"""Confirming the account's email address, and moving the account to a new one."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from project.errors import error_response
from project.throttle import Throttled, throttle

from . import email_links
from .errors import AccountError
from .models import User


class EmailChangeForm(forms.Form):
    """A new address, and the current password (whoever borrowed a signed-in browser cannot move the account)."""

    email = forms.EmailField(
        label="New email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if email == self.user.email:
            raise forms.ValidationError("That is already your account's address.")
        return email

    def clean_password(self) -> str:
        password = str(self.cleaned_data["password"])
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


@login_required
@require_POST
def email_verify_send(request: HttpRequest) -> HttpResponseBase:
    """Email the account's address a link that confirms it."""
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    email_links.email_verification_send(user=request.user)
    messages.success(request, f"We've emailed a confirmation link to {request.user.email}.")
    return redirect("accounts:account")


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponseBase:
    """Ask to move the account to a new address: it changes once the link sent there is opened."""
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    status = 200
    if request.method == "POST":
        form = EmailChangeForm(request.POST, user=request.user)
        if form.is_valid():
            try:  # each request emails an address the person typed
                throttle("email_change", [(settings.SIGNUP_RATE_PER_EMAIL, str(request.user.pk))])
            except Throttled as exc:
                form.add_error(None, f"Too many requests. Please wait {exc.wait_text} and try again.")
                return render(request, "accounts/email_change.html", {"form": form}, status=429)
            email_links.email_change_request(user=request.user, new_email=form.cleaned_data["email"])
            messages.success(
                request,
                f"We've emailed a link to {form.cleaned_data['email']}. "
                "Your address changes when you open it; until then it stays as it is.",
            )
            return redirect("accounts:account")
        status = 422
    else:
        form = EmailChangeForm(user=request.user)
    return render(request, "accounts/email_change.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponseBase:
    """The emailed link: confirm with a button (mail scanners follow links, they do not press buttons)."""
    try:
        link = email_links.email_link_read(token)
        if request.method == "POST":
            email_links.email_confirm(link=link)
            messages.success(request, f"Thank you: {link.email} is confirmed.")
            return redirect("accounts:account" if request.user.is_authenticated else "accounts:login")
    except AccountError as exc:
        return error_response(request, "accounts/email_link.html", {}, exc)
    return render(request, "accounts/email_confirm.html", {"email": link.email, "changing": link.email != link.was})

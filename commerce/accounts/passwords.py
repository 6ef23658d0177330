"""Forgotten and changed passwords, through Django's own views and tokens.

A reset link is Django's token (it expires after PASSWORD_RESET_TIMEOUT and stops working once the
password changes, so it works once). Setting a new password signs out every other session (their
session hash no longer matches) and closes their live sockets.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponse
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from project.clients import client_address
from project.throttle import Throttled, throttle

from . import mail
from .live import sockets_recheck_for_user
from .models import User


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, its email written to the notifications outbox instead of sent at once."""

    def send_mail(
        self, subject_template_name: str, email_template_name: str, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> None:
        user = context["user"]
        assert isinstance(user, User)  # noqa: S101 - get_users() yields the custom model
        uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
        hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        mail.account_mail(
            user=user,
            to=user.email,
            event=mail.PASSWORD_RESET,
            subject=f"Reset your password at {settings.STORE_NAME}",
            headline="Reset your password",
            sentence=(
                f"Someone, hopefully you, asked to reset the password of your {settings.STORE_NAME} account. "
                f"The link works once, for {hours} hour{'s' if hours != 1 else ''}."
            ),
            link_url=path,
            link_label="Choose a new password",
        )


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: the same answer whether or not the address has an account."""

    template_name = "accounts/password_reset.html"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Each request emails someone: the sign-up limits keep this from mailing an inbox full.
        try:
            throttle(
                "password_reset",
                [
                    (settings.SIGNUP_RATE_PER_ADDRESS, client_address(self.request)),
                    (settings.SIGNUP_RATE_PER_EMAIL, str(form.cleaned_data["email"]).lower()),
                ],
            )
        except Throttled as exc:
            form.add_error(None, f"Too many requests. Please wait {exc.wait_text} and try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link: choose a new password. An expired or used link says so, and changes nothing."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        response = super().form_valid(form)
        sockets_recheck_for_user(form.user.pk)  # other sessions are signed out: their sockets follow
        messages.success(self.request, "Your password is changed. Sign in with the new one.")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password on the account page: this session stays signed in, the others end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session (update_session_auth_hash)
        sockets_recheck_for_user(form.user.pk)  # this page's sockets reconnect; other sessions' are refused
        messages.success(self.request, "Your password is changed. Other devices are signed out.")
        return response

"""Signing up by emailed link.

Signing up stores nothing: the form's answer goes into a signed, expiring link (the email, the
password's hash, the first name) sent to the address given, and only that link creates the account.
So nobody can claim someone else's address with a password they know, and the form's answer is the
same for an address that has an account and one that has not (that owner gets a note instead).
"""

import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .errors import AccountError
from .models import User

logger = logging.getLogger(__name__)

SIGNUP_SALT = "accounts.signup"


@dataclass(frozen=True)
class SignupLink:
    """What a sign-up link carries."""

    email: str
    password_hash: str
    first_name: str
    next_url: str


def signup_link_read(token: str) -> SignupLink:
    """The sign-up behind `token`; AccountError if it was tampered with, is past SIGNUP_LINK_MAX_AGE or was used."""
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.SIGNUP_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise AccountError.link_expired() from exc
    except signing.BadSignature as exc:
        raise AccountError.link_invalid() from exc
    link = SignupLink(
        email=data["e"], password_hash=data["p"], first_name=data.get("f", ""), next_url=data.get("n", "")
    )
    if User.objects.filter(email__iexact=link.email).exists():
        raise AccountError.link_used()
    return link


def _send(*, to: str, subject: str, template: str, context: dict[str, object]) -> None:
    site = settings.SITE_URL.rstrip("/")
    context = {"store_name": settings.STORE_NAME, "site_url": site, **context}
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    try:
        email.send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("signup email failed", extra={"error": str(exc)})
        raise AccountError.email_unavailable() from exc


def signup_request(*, email: str, password: str, first_name: str = "", next_url: str = "") -> None:
    """Email `email` a link that creates its account, or, if it has one, a note saying so.

    Preconditions: the form validated the address (lower-cased) and the password. Both paths hash
    the password and send one email, so neither the answer nor its time tells them apart.
    """
    password_hash = make_password(password)
    site = settings.SITE_URL.rstrip("/")
    login_url = site + reverse("accounts:login")
    if User.objects.filter(email__iexact=email).exists():
        logger.info("signup for a registered email")
        _send(
            to=email,
            subject=f"You already have an account at {settings.STORE_NAME}",
            template="accounts/email/signup_registered",
            context={
                "headline": "You already have an account",
                "login_url": login_url,
                "reset_url": site + reverse("accounts:password_reset"),
            },
        )
        return
    token = signing.dumps(
        {"e": email, "p": password_hash, "f": first_name, "n": next_url}, salt=SIGNUP_SALT, compress=True
    )
    _send(
        to=email,
        subject=f"Confirm your email to finish signing up at {settings.STORE_NAME}",
        template="accounts/email/signup_confirm",
        context={
            "headline": "Confirm your email",
            "confirm_url": site + reverse("accounts:signup_confirm", kwargs={"token": token}),
            "hours": max(1, settings.SIGNUP_LINK_MAX_AGE // 3600),
        },
    )


def signup_complete(*, link: SignupLink) -> User:
    """Create the account a sign-up link describes, once: a second use (or a race of two) gets AccountError."""
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=link.email).exists():
                raise AccountError.link_used()
            # The link came to this address: it is proved.
            user = User(
                email=link.email,
                first_name=link.first_name,
                password=link.password_hash,
                email_verified_at=timezone.now(),
            )
            user.save()
    except IntegrityError as exc:  # the same link confirmed twice at once: the unique email kept one
        raise AccountError.link_used() from exc
    logger.info("account created", extra={"user": user.pk})
    return user


def profile_name_set(*, user: User, first_name: str, last_name: str) -> User:
    """Change the person's name (the API's account PATCH); writes only when it changed."""
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if (user.first_name, user.last_name) != (first_name, last_name):
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
    return user

"""Proving an email address: the account's own (verification) or a new one (changing it).

The link is signed (`django.core.signing`, SIGNUP_LINK_MAX_AGE) and names the account and the
address it was sent to; opening it proves that address. It works once: a used link finds the
address already the account's and verified, and a later change makes older links name the wrong one.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from . import mail
from .errors import AccountError
from .live import sockets_recheck_for_user
from .models import User

logger = logging.getLogger(__name__)

EMAIL_SALT = "accounts.email"


@dataclass(frozen=True)
class EmailLink:
    user: User
    email: str
    was: str  # the account's address when the link was sent


def _link_path(user: User, email: str) -> str:
    token = signing.dumps({"u": user.pk, "e": email, "w": user.email}, salt=EMAIL_SALT)
    return reverse("accounts:email_confirm", kwargs={"token": token})


@transaction.atomic
def email_verification_send(*, user: User) -> None:
    """Email the account's address a link that proves it (no-op once it is verified)."""
    if user.email_verified:
        return
    mail.account_mail(
        user=user,
        to=user.email,
        event=mail.EMAIL_CONFIRM,
        subject=f"Confirm your email address at {settings.STORE_NAME}",
        headline="Confirm your email address",
        sentence=f"Confirm that {user.email} is yours, so we know where to reach you about your orders.",
        link_url=_link_path(user, user.email),
        link_label="Confirm my email address",
    )


@transaction.atomic
def email_change_request(*, user: User, new_email: str) -> None:
    """Email `new_email` a link that moves the account to it; the account keeps its address until then.

    An address another account has gets no email (the answer shown is the same, so it reveals nothing).
    """
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        logger.info("email change to a registered address", extra={"user": user.pk})
        return
    mail.account_mail(
        user=user,
        to=new_email,
        event=mail.EMAIL_CONFIRM,
        subject=f"Confirm your new email address at {settings.STORE_NAME}",
        headline="Confirm your new email address",
        sentence=f"Someone, hopefully you, asked to use {new_email} for their {settings.STORE_NAME} account.",
        link_url=_link_path(user, new_email),
        link_label="Use this email address",
    )


def email_link_read(token: str) -> EmailLink:
    """The account and address behind `token`; AccountError if tampered with, expired or used."""
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=settings.SIGNUP_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise AccountError.email_link_expired() from exc
    except signing.BadSignature as exc:
        raise AccountError.email_link_invalid() from exc
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise AccountError.email_link_invalid()
    if user.email == data["e"] and user.email_verified:
        raise AccountError.email_link_used()
    if user.email != data["w"]:  # the address changed since: this link is stale
        raise AccountError.email_link_used()
    return EmailLink(user=user, email=data["e"], was=data["w"])


def email_confirm(*, link: EmailLink) -> User:
    """Make the link's address the account's, verified, once (a race of two keeps one)."""
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=link.user.pk)
            if user.email != link.was or (user.email == link.email and user.email_verified):
                raise AccountError.email_link_used()
            if User.objects.filter(email__iexact=link.email).exclude(pk=user.pk).exists():
                raise AccountError.email_taken()
            changed = user.email != link.email
            user.email = link.email
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email", "email_verified_at"])
            if changed:
                sockets_recheck_for_user(user.pk)
    except IntegrityError as exc:
        raise AccountError.email_taken() from exc
    logger.info("email confirmed", extra={"user": user.pk, "changed": changed})
    return user

"""Make, find and revoke personal access tokens (the account page and the API's authentication call these)."""

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from commerce.accounts.models import User
from commerce.errors import DomainError

from .models import ApiToken
from .scopes import scopes_clean

TOKEN_PREFIX = "sf_"  # noqa: S105 - the tokens' visible prefix, not a secret
MAX_ACTIVE_TOKENS = 20
# A token's last use is written at most this often: not a write for every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(DomainError):
    pass


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str  # shown once, never stored


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str, scopes: list[str]) -> NewToken:
    """A new token for `user` with `scopes` (each one the person may give), or TokenError and nothing made."""
    name = " ".join(name.split())[:80]
    if not name:
        raise TokenError("token_name", "Give the token a name, so you can tell it apart later.")
    try:
        chosen = scopes_clean(scopes, user)
    except ValueError as exc:
        raise TokenError("token_scopes", str(exc)) from exc
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one count at a time per person
        if ApiToken.objects.filter(user=user, revoked_at=None).count() >= MAX_ACTIVE_TOKENS:
            raise TokenError("token_limit", f"You have {MAX_ACTIVE_TOKENS} tokens: revoke one first.")
        prefix = secrets.token_hex(4)
        raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=digest(raw), scopes=chosen)
    return NewToken(token=token, raw=raw)


def token_revoke(*, user: User, pk: int) -> bool:
    """Revoke one of `user`'s own tokens; False when there is no such live token (already revoked, not theirs)."""
    return bool(ApiToken.objects.filter(pk=pk, user=user, revoked_at=None).update(revoked_at=timezone.now()))


def token_authenticate(raw: str, *, address: str | None = None) -> ApiToken | None:
    """The live token `raw` names, its owner active, its last use noted; None for anything else."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(raw), revoked_at=None).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    address = _address(address)
    if (
        token.last_used_at is None
        or now - token.last_used_at >= LAST_USED_RESOLUTION
        or address != token.last_used_from
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=address)
        token.last_used_at, token.last_used_from = now, address
    return token


def _address(text: str | None) -> str | None:
    """An IP address as the database keeps it, or None (the client's address may be unknown)."""
    try:
        return str(ipaddress.ip_address(text)) if text else None
    except ValueError:
        return None

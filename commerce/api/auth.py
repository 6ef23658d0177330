"""Who is calling: a personal access token (Authorization: Bearer), else the browser's session.

Every operation runs `StoreAuth` first. It finds the caller, checks CSRF when a session (not a
token) asks to change something, and counts the call against the rate limits: per token for token
calls, per network address for the rest (429 with Retry-After when one is spent). A call with a
token that is unknown, revoked or malformed is refused (401); a call with neither acts as a guest.
Operations then ask the caller for what they need (`caller.need("orders:write")`, `caller.person()`).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from commerce.accounts.models import User
from project.clients import client_address
from project.throttle import throttle

from .errors import ApiError
from .inputs import inputs_check
from .models import ApiToken
from .scopes import SCOPES, allowed_scopes, role_allows
from .tokens import token_authenticate

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Caller:
    """The person behind a call (None: a guest session), the token it came with, and its scopes."""

    user: User | None
    token: ApiToken | None
    scopes: frozenset[str]

    @property
    def by_token(self) -> bool:
        return self.token is not None

    def can(self, scope: str) -> bool:
        """The call carries `scope` and its person's roles still allow it."""
        return scope in self.scopes and role_allows(self.user, scope)

    def need(self, scope: str) -> None:
        """Go on only with `scope`: else 401 (a guest: who they are comes first) or 403."""
        if self.can(scope):
            return
        if self.user is None:
            raise ApiError("unauthenticated", "Sign in, or send a valid token.", 401)
        raise ApiError.forbidden(
            f"This call needs the {scope} scope ({SCOPES.get(scope, ('', ''))[0]}).", "scope_missing"
        )

    def person(self) -> User:
        """The signed-in person (or the token's owner); 401 for a guest."""
        if self.user is None:
            raise ApiError("unauthenticated", "Sign in, or send a valid token.", 401)
        return self.user


def caller(request: HttpRequest) -> Caller:
    """The Caller StoreAuth found for this request (ninja keeps it as `request.auth`)."""
    found = getattr(request, "auth", None)
    if not isinstance(found, Caller):  # pragma: no cover - every operation runs StoreAuth
        raise ApiError("unauthenticated", "Not authenticated.", 401)
    return found


class StoreAuth(HttpBearer):
    """A token when the call brings one; else the session (CSRF-checked for writes); else a guest.

    Then, whoever calls, input no operation could store is refused (commerce/api/inputs.py).
    """

    csrf = True  # the docs page (Swagger UI) sends the session's CSRF token with "Try it out"

    def __call__(self, request: HttpRequest) -> Any:
        found = self._caller(request)
        if found is not None:
            inputs_check(request)
        return found

    def _caller(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        address = client_address(request)
        if header:
            scheme, _, raw = header.partition(" ")
            token = token_authenticate(raw.strip(), address=address) if scheme.lower() == "bearer" else None
            if token is None:
                return None  # ninja answers 401 (errors.py)
            throttle("api", [(settings.API_RATE_PER_TOKEN, f"token:{token.pk}")])
            return Caller(user=token.user, token=token, scopes=frozenset(token.scopes))
        throttle("api", [(settings.API_RATE_PER_ADDRESS, f"address:{address}")])
        if request.method in UNSAFE and check_csrf(request) is not None:
            raise ApiError.forbidden(
                "The session's CSRF check failed: send the X-CSRFToken header (or use a token).", "csrf_failed"
            )
        user = request.user if isinstance(request.user, User) and request.user.is_active else None
        return Caller(user=user, token=None, scopes=allowed_scopes(user))

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - __call__ does it all
        return None

"""The API tokens page (/accounts/api-tokens/): the person's personal access tokens, a form to make one
(shown once), and a Revoke button per token. htmx swaps the page's `#api-tokens` part; without
JavaScript the same forms post and the whole page comes back."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from commerce.api.models import ApiToken
from commerce.api.scopes import SCOPES, allowed_scopes
from commerce.api.tokens import MAX_ACTIVE_TOKENS, TokenError, token_create, token_revoke
from project.http import HtmxHttpRequest

from .models import User

PAGE = "accounts/api_tokens.html"
PART = "accounts/api_tokens.html#tokens"
NAME_MAX_LENGTH = 80


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    return request.user


def _context(user: User, **extra: Any) -> dict[str, Any]:
    allowed = allowed_scopes(user)
    return {
        "tokens": [
            (token, [(scope, SCOPES.get(scope, ("", ""))[0]) for scope in token.scopes])
            for token in ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
        ],
        "scopes": [(scope, words) for scope, (words, _role) in SCOPES.items() if scope in allowed],
        "chosen": [],
        "name": "",
        "name_max_length": NAME_MAX_LENGTH,
        "max_tokens": MAX_ACTIVE_TOKENS,
        **extra,
    }


def _render(request: HtmxHttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponseBase:
    return render(request, PART if request.htmx else PAGE, context, status=status)


@never_cache  # the answer may hold a new token: no copy in a cache, nor in the back button's
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HtmxHttpRequest) -> HttpResponseBase:
    """The tokens, and the form that makes one: the new token is shown on this answer only."""
    user = _user(request)
    if request.method != "POST":
        return _render(request, _context(user))
    name = request.POST.get("name", "")[:200]
    chosen = [scope for scope in request.POST.getlist("scopes") if scope in SCOPES]
    try:
        if "\x00" in name:  # the database cannot store it: refused like any bad name
            raise TokenError("token_name", "A name cannot hold a NUL character.")
        new = token_create(user=user, name=name, scopes=request.POST.getlist("scopes"))
    except TokenError as error:
        return _render(request, _context(user, error=error, name=name, chosen=chosen), status=error.status)
    return _render(request, _context(user, new=new))


@never_cache
@login_required
@require_POST
def api_token_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    """Revoke one of the person's own tokens (another's, or one revoked already, changes nothing)."""
    user = _user(request)
    token = ApiToken.objects.filter(pk=pk, user=user).first()
    if token_revoke(user=user, pk=pk) and token is not None:
        notice = f"Token “{token.name}” revoked: calls with it are refused from now on."
    else:
        notice = "That token was already revoked."
    if request.htmx:
        return _render(request, _context(user, notice=notice))
    messages.success(request, notice)
    return redirect("accounts:api_tokens")

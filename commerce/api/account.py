"""API: the caller's account (mounted by main.py)."""

from django.http import HttpRequest
from ninja import Router, Schema

from .auth import caller
from .errors import answers

router = Router(tags=["Account"])


class AccountOut(Schema):
    email: str
    first_name: str
    last_name: str
    scopes: list[str]  # what this call may do: the token's scopes, or the session's


@router.get("", response=answers({200: AccountOut}), summary="Your account")
def account_read(request: HttpRequest) -> AccountOut:
    who = caller(request)
    who.need("shop:read")
    user = who.person()
    scopes = sorted(scope for scope in who.scopes if who.can(scope))
    return AccountOut(email=user.email, first_name=user.first_name, last_name=user.last_name, scopes=scopes)

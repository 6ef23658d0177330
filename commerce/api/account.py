"""API: the caller's account (mounted by main.py at /api/v1/account)."""

from django import forms
from django.http import HttpRequest
from ninja import Field, Router, Schema

from commerce.accounts.addresses import addresses_of
from commerce.accounts.models import User
from commerce.accounts.services import profile_name_set

from .auth import Caller, caller
from .body import BodyIn
from .errors import answers
from .shop import form_invalid, invalid
from .shop_schemas import AddressOut

router = Router(tags=["Account"])


class SavedAddressOut(AddressOut):
    id: int
    default_shipping: bool
    default_billing: bool


class AccountOut(Schema):
    email: str
    email_verified: bool = Field(description="Whether the address was proved by a link sent to it.")
    first_name: str
    last_name: str
    scopes: list[str] = Field(description="What this call may do: the token's scopes, or the session's.")
    addresses: list[SavedAddressOut] = Field(description="The address book, the default shipping address first.")


class AccountIn(BodyIn):
    first_name: str | None = Field(None, description="Left out: unchanged.")
    last_name: str | None = Field(None, description="Left out: unchanged.")


class NameForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)


def _account(who: Caller, user: User) -> AccountOut:
    addresses = [
        SavedAddressOut(
            id=address.pk,
            default_shipping=address.default_shipping,
            default_billing=address.default_billing,
            **address.as_snapshot(),
        )
        for address in addresses_of(user)
    ]
    return AccountOut(
        email=user.email,
        email_verified=user.email_verified,
        first_name=user.first_name,
        last_name=user.last_name,
        scopes=sorted(scope for scope in who.scopes if who.can(scope)),
        addresses=addresses,
    )


@router.get("", response=answers({200: AccountOut}), summary="Your account")
def account_read(request: HttpRequest) -> AccountOut:
    who = caller(request)
    who.need("shop:read")
    return _account(who, who.person())


@router.patch("", response=answers({200: AccountOut}), summary="Change your name")
def account_update(request: HttpRequest, body: AccountIn) -> AccountOut:
    who = caller(request)
    who.need("shop:write")
    user = who.person()
    form = NameForm(
        {
            "first_name": user.first_name if body.first_name is None else body.first_name,
            "last_name": user.last_name if body.last_name is None else body.last_name,
        }
    )
    if not form.is_valid():
        raise invalid(form_invalid(form))
    user = profile_name_set(user=user, **form.cleaned_data)
    return _account(who, user)

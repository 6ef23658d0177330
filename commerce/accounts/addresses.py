"""The address book: a signed-in shopper's saved addresses, one the default for shipping and one
(the same or another, or none) the default for billing."""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from .models import Address, User


def addresses_of(user: User) -> QuerySet[Address]:
    """This person's addresses, the default first."""
    return Address.objects.filter(user=user).order_by("-default_shipping", "-created_at", "-pk")


def _lock_book(user_pk: int) -> None:
    """Serialise changes to one person's book (two tabs making defaults at once would break the constraint)."""
    User.objects.select_for_update().filter(pk=user_pk).values_list("pk", flat=True).first()


@transaction.atomic
def address_save(*, user: User, address: Address, data: dict[str, Any], make_default: bool) -> Address:
    """Store a new or edited address of `user` (its owner: the view found it among theirs)."""
    _lock_book(user.pk)
    for name, value in data.items():
        setattr(address, name, value)
    address.user = user
    first = not Address.objects.filter(user=user).exclude(pk=address.pk).exists()
    if make_default or first:
        Address.objects.filter(user=user, default_shipping=True).exclude(pk=address.pk).update(default_shipping=False)
        address.default_shipping = True
    address.save()
    return address


DEFAULTS = {"shipping": "default_shipping", "billing": "default_billing"}


@transaction.atomic
def address_make_default(*, address: Address, kind: str = "shipping") -> None:
    """Make this the owner's default shipping address (the one checkout preselects), or with
    `kind="billing"` the one checkout bills to; KeyError for another kind."""
    flag = DEFAULTS[kind]
    _lock_book(address.user_id)
    Address.objects.filter(user_id=address.user_id, **{flag: True}).exclude(pk=address.pk).update(**{flag: False})
    Address.objects.filter(pk=address.pk).update(**{flag: True})


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address; if it was the default, the newest other one becomes the default.

    Orders keep their own copy of the address they shipped to, so none of them changes.
    """
    user_pk = address.user_id
    _lock_book(user_pk)
    was_default = Address.objects.filter(pk=address.pk, default_shipping=True).exists()
    address.delete()
    if was_default:
        newest = Address.objects.filter(user_id=user_pk).order_by("-created_at", "-pk").first()
        if newest is not None:
            Address.objects.filter(pk=newest.pk).update(default_shipping=True)

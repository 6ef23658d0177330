"""The address book pages. Each address is looked up among the signed-in person's own: another's is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commerce.orders.forms import AddressForm

from . import addresses
from .models import Address, User


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    return request.user


def _own(request: HttpRequest, pk: int) -> Address:
    return get_object_or_404(Address, pk=pk, user=_user(request))


@login_required
@require_GET
def address_list(request: HttpRequest) -> HttpResponseBase:
    return render(request, "accounts/addresses.html", {"addresses": addresses.addresses_of(_user(request))})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    """Add an address (no pk) or edit one of the person's own."""
    address = _own(request, pk) if pk is not None else Address(user=_user(request))
    status = 200
    if request.method == "POST":
        form = AddressForm(request.POST, instance=address)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in AddressForm.Meta.fields}
            addresses.address_save(
                user=_user(request), address=address, data=data, make_default=bool(request.POST.get("make_default"))
            )
            messages.success(request, "Address saved.")
            return redirect("accounts:addresses")
        status = 422
    else:
        form = AddressForm(instance=address)
    context = {"form": form, "address": address, "is_new": pk is None}
    return render(request, "accounts/address_form.html", context, status=status)


@login_required
@require_POST
def address_default(request: HttpRequest, pk: int) -> HttpResponseBase:
    address = _own(request, pk)
    kind = request.POST.get("kind", "shipping")
    if kind not in addresses.DEFAULTS:
        return HttpResponseBadRequest("Choose shipping or billing.")
    addresses.address_make_default(address=address, kind=kind)
    messages.success(
        request, f"Checkout now {'bills to' if kind == 'billing' else 'suggests'} {address.full_name}, {address.line1}."
    )
    return redirect("accounts:addresses")


@login_required
@require_http_methods(["GET", "POST"])
def address_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Ask, then delete (orders keep their own copy of where they shipped)."""
    address = _own(request, pk)
    if request.method == "POST":
        addresses.address_delete(address=address)
        messages.success(request, "Address deleted.")
        return redirect("accounts:addresses")
    return render(request, "accounts/address_delete.html", {"address": address})

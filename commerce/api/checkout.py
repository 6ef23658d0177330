"""API: checkout (mounted by main.py at /api/v1/checkout).

The address is checked by the checkout page's own forms (orders/forms.py), so the API refuses what
the page refuses, field by field; the quote is the review page's offer (orders/offer.py); placing
the order is the page's `checkout_start`, which takes the stock and the code's use and holds them
while the shopper pays (POST /api/v1/orders/{number}/payment).
"""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from commerce.cart.models import Cart
from commerce.cart.selectors import cart_summary
from commerce.orders import services
from commerce.orders.errors import OrderError
from commerce.orders.forms import AddressForm, BillingAddressForm, CheckoutForm
from commerce.orders.offer import checkout_offer
from commerce.orders.session import session_remember_order
from commerce.orders.totals import summary_lines

from .auth import Caller, caller
from .body import BodyIn
from .errors import answers
from .shop import MAX_PK, cart_find, form_invalid, invalid, money
from .shop_schemas import AddressOut, BreakdownOut, OrderOut

router = Router(tags=["Checkout"])


class AddressIn(BodyIn):
    full_name: str
    line1: str
    line2: str = ""
    city: str
    postal_code: str
    country: str = Field(description='ISO 3166-1 alpha-2, one the store ships to ("US").')
    region: str = Field("", description='The state or province code ("NY"); required in the US, Canada, Australia.')
    phone: str = ""


class CheckoutIn(BodyIn):
    email: str = Field(description="Where the receipt and the order's news go.")
    address: AddressIn = Field(description="Where the order ships.")
    billing_address: AddressIn | None = Field(None, description="Where the invoice goes; null: the shipping address.")
    shipping_method: int | None = Field(
        None, ge=1, le=MAX_PK, description="A method id from the quote; null: the cheapest serving the address."
    )


class MethodOut(Schema):
    id: int
    name: str
    price: str = Field(description="As charged (0.00 when a code or the order's size makes it free).")
    estimate: str = Field(description='How long it takes ("2-4 business days").')
    free_reason: str


class QuoteOut(Schema):
    email: str
    address: AddressOut
    billing_address: AddressOut | None
    methods: list[MethodOut] = Field(description="The methods serving the address, cheapest first.")
    shipping_method: int | None = Field(description="The method the order would ship with.")
    totals: BreakdownOut
    code_error: str = Field(description='Why the cart\'s code no longer applies (placing is refused), or "".')
    shipping_error: str = Field(description='Why nothing ships to the address (placing is refused), or "".')
    can_place: bool


def _snapshot(form: AddressForm) -> dict[str, str]:
    return {name: str(form.cleaned_data.get(name) or "") for name in AddressForm.Meta.fields}


def _details(body: CheckoutIn) -> dict[str, Any]:
    """The body checked by the checkout page's forms: email, address and billing address as the page
    stores them, or 422 naming every field that is wrong (`address.region`, `billing_address.city`)."""
    form = CheckoutForm({"email": body.email, **body.address.model_dump()})
    fields = {} if form.is_valid() else form_invalid(form, prefix="address")
    if "address.email" in fields:  # CheckoutForm holds the email too: the body's own field
        fields["email"] = fields.pop("address.email")
    billing = None
    if body.billing_address is not None:
        bill = BillingAddressForm({f"billing-{k}": v for k, v in body.billing_address.model_dump().items()})
        if bill.is_valid():
            billing = bill.address_snapshot()
        else:
            fields |= form_invalid(bill, prefix="billing_address")
    if fields:
        raise invalid(fields)
    return {"email": form.cleaned_data["email"], "address": _snapshot(form), "billing_address": billing}


def _cart(request: HttpRequest, who: Caller) -> Cart:
    cart = cart_find(request, who)
    if cart is None or not cart.lines.exists():
        raise OrderError.empty_cart()
    return cart


@router.post("/quote", response=answers({200: QuoteOut}), summary="Shipping methods and totals for an address")
def checkout_quote(request: HttpRequest, body: CheckoutIn) -> QuoteOut:
    """What the review page shows for the cart sent to this address: the methods, the one chosen, the figures."""
    who = caller(request)
    who.need("shop:read")
    details = _details(body)
    cart = _cart(request, who)
    address = details["address"]
    offer = checkout_offer(
        summary_lines(cart_summary(cart, images=False)),
        country=address["country"],
        region=address["region"],
        chosen=body.shipping_method,
        code=cart.discount_code,
        user=who.user,
        email=details["email"],
        now=timezone.now(),
    )
    return QuoteOut(
        email=details["email"],
        address=AddressOut(**address),
        billing_address=AddressOut.of(details["billing_address"]),
        methods=[
            MethodOut(id=m.method_pk, name=m.name, price=money(m.price), estimate=m.estimate, free_reason=m.free_reason)
            for m in offer.methods
        ],
        shipping_method=offer.chosen,
        totals=BreakdownOut.of(offer.breakdown),
        code_error=offer.code_error.message if offer.code_error else "",
        shipping_error=offer.shipping_error.message if offer.shipping_error else "",
        can_place=offer.error is None,
    )


@router.post("/orders", response=answers({201: OrderOut}), summary="Place the order")
def checkout_place(request: HttpRequest, body: CheckoutIn) -> Status[OrderOut]:
    """Place the cart's order awaiting payment: its stock and code are held for a few minutes
    (`hold_expires_at`); pay with POST /api/v1/orders/{number}/payment. Refused (and nothing
    changed): 409 out of stock, 422 a code or method that no longer applies, an empty cart."""
    who = caller(request)
    who.need("shop:write")
    details = _details(body)
    order = services.checkout_start(
        cart=_cart(request, who),
        user=who.user,
        email=details["email"],
        address=details["address"],
        shipping_method=body.shipping_method,
        billing_address=details["billing_address"],
    )
    if not who.by_token:
        session_remember_order(request.session, order)
    order.refresh_from_db()
    return Status(201, OrderOut.of(order))

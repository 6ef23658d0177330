"""commerce/errors.py: every area's errors are DomainErrors, each with its code, its message and its status."""

import pytest

from commerce.accounts.errors import AccountError
from commerce.cart.errors import CartError
from commerce.errors import DomainError
from commerce.inventory.errors import OutOfStock
from commerce.money import MoneyError
from commerce.notifications.errors import DeliveryError
from commerce.ops.services import OpsError
from commerce.orders.errors import OrderError
from commerce.payments.errors import PaymentError
from commerce.search.errors import SearchIndexMissing, SearchUnavailable
from commerce.support.services import SupportError
from project.throttle import Throttled

CASES = [
    (CartError.bad_quantity(5), "bad_quantity", 422, "Choose a quantity between 1 and 5."),
    (OrderError.empty_cart(), "empty_cart", 422, "Your cart is empty."),
    (
        OutOfStock(variant_pk=1, name="Tee", wanted=3, available=1),
        "insufficient_stock",
        409,
        "Only 1 of Tee left (you wanted 3).",
    ),
    (
        OutOfStock(variant_pk=1, name="Tee", wanted=3, available=0),
        "sold_out",
        409,
        "Tee sold out while you were checking out.",
    ),
    (
        PaymentError.hold_expired(),
        "hold_expired",
        409,
        "Your hold has expired and the items went back on sale. Please check out again.",
    ),
    (
        PaymentError.unavailable(),
        "provider_unavailable",
        503,
        "We could not reach our payment provider. Nothing was charged; please try again in a moment.",
    ),
    (PaymentError("provider_rejected", "Refused."), "provider_rejected", 502, "Refused."),
    (
        PaymentError.bad_refund_amount(4800, "USD"),
        "bad_refund_amount",
        422,
        "The refund must be more than 0 and at most 48.00 (what is left to refund).",
    ),
    (
        PaymentError.bad_refund_amount(1200, "JPY"),
        "bad_refund_amount",
        422,
        "The refund must be more than 0 and at most 1200 (what is left to refund).",
    ),
    (SupportError("Write a message first."), "support", 422, "Write a message first."),
    (SupportError("Slow down.", 429), "support", 429, "Slow down."),
    (OpsError("Unknown action."), "not_applied", 422, "Unknown action."),
    (
        AccountError.link_expired(),
        "link_expired",
        410,
        "This sign-up link has expired. Please sign up again to get a new one.",
    ),
    (
        DeliveryError("Could not reach Twilio.", permanent=False, code="connection"),
        "connection",
        502,
        "Could not reach Twilio.",
    ),
    (SearchUnavailable("timed out"), "search_unavailable", 503, "timed out"),
    (SearchIndexMissing("no index"), "search_index_missing", 503, "no index"),
    (Throttled(90), "throttled", 429, "Too many tries. Please wait 2 minutes and try again."),
    (MoneyError("The amount must be more than 0."), "bad_amount", 422, "The amount must be more than 0."),
]


@pytest.mark.parametrize(("error", "code", "status", "message"), CASES, ids=lambda v: type(v).__name__)
def test_every_area_s_error_is_a_domain_error_with_its_code_status_and_message(error, code, status, message):
    assert isinstance(error, DomainError)
    assert (error.code, error.status, error.message, str(error)) == (code, status, message, message)


def test_a_domain_error_is_422_unless_it_says_otherwise():
    assert DomainError("x", "No.").status == 422
    assert DomainError("x", "Gone.", 410).status == 410

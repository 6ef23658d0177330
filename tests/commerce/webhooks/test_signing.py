import hashlib
import hmac
import json

import pytest

from commerce.webhooks import tasks
from commerce.webhooks.services import event_id, webhook_emit
from commerce.webhooks.signing import signature_header, signature_verify

pytestmark = pytest.mark.django_db

SECRET = "whsec_0123456789abcdef"
BODY = b'{"id":"e1","type":"order.paid"}'


def test_a_header_verifies_only_the_body_it_signed_with_its_secret():
    header = signature_header(SECRET, BODY, timestamp=1_700_000_000)

    assert header == "t=1700000000,v1=" + hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature_verify(SECRET, BODY, header, now=1_700_000_010)
    assert not signature_verify(SECRET, BODY.replace(b"paid", b"shipped"), header, now=1_700_000_010)
    assert not signature_verify("whsec_other", BODY, header, now=1_700_000_010)


def test_an_old_or_future_timestamp_is_refused():
    header = signature_header(SECRET, BODY, timestamp=1_700_000_000)

    assert signature_verify(SECRET, BODY, header, now=1_700_000_300)
    assert not signature_verify(SECRET, BODY, header, now=1_700_000_301)
    assert not signature_verify(SECRET, BODY, header, now=1_699_999_699)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=1700000000", "t=1700000000,v0=00"])
def test_a_malformed_header_is_refused(header):
    assert not signature_verify(SECRET, BODY, header, now=1_700_000_000)


def test_any_one_of_several_signatures_may_match():
    good = signature_header(SECRET, BODY, timestamp=1_700_000_000).split(",")[1]

    assert signature_verify(SECRET, BODY, f"t=1700000000,v1=deadbeef,{good}", now=1_700_000_000)


def test_what_the_receiver_gets_verifies_with_the_endpoint_secret(
    make_endpoint, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint("order.paid")

    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_emit(event="order.paid", key="order.paid:7", data={"order": {"number": "A7"}})

    [request] = receiver.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["storefront-event"] == "order.paid"
    assert headers["storefront-delivery"] == str(delivery.pk)
    assert signature_verify(endpoint.secret, request.body, headers["storefront-signature"])
    assert headers["storefront-signature"].startswith(f"t={int(clock.now.timestamp())},v1=")
    assert json.loads(request.body) == {
        "id": str(event_id("order.paid:7")),
        "type": "order.paid",
        "created": clock.now.isoformat(timespec="seconds"),
        "data": {"order": {"number": "A7"}},
    }
    # Tampered with, or replayed ten minutes later, it no longer verifies.
    assert not signature_verify(endpoint.secret, request.body + b" ", headers["storefront-signature"])
    clock.advance(minutes=10)
    assert not signature_verify(endpoint.secret, request.body, headers["storefront-signature"])
    assert tasks.deliver(delivery.pk) == "skipped"  # delivered: a second run sends nothing
    assert len(receiver.requests) == 1

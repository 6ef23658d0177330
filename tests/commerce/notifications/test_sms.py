"""The Twilio module against a stub Twilio on loopback: request shape, error policy, console backend."""

import base64
import time
from collections.abc import Iterator

import pytest
from django import forms
from django.core.exceptions import ValidationError

from commerce.notifications import sms
from commerce.notifications.errors import DeliveryError
from commerce.notifications.phone import PhoneField, phone_normalize
from tests.stub_twilio import ACCOUNT_SID as SID
from tests.stub_twilio import AUTH_TOKEN as TOKEN
from tests.stub_twilio import FROM_NUMBER as FROM
from tests.stub_twilio import StubTwilio, message_json, stub_twilio_server


@pytest.fixture
def stub_twilio() -> Iterator[StubTwilio]:
    """A stub Twilio REST API in a thread on a free loopback port (see tests/stub_twilio.py)."""
    with stub_twilio_server() as stub:
        yield stub


@pytest.fixture
def twilio_settings(settings, stub_twilio):  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = FROM
    settings.TWILIO_API_BASE = stub_twilio.url
    settings.TWILIO_TIMEOUT = 2
    return settings


def send(key: str = "order-1001-order_paid-sms") -> str:
    return sms.sms_send(
        to="+14155552671",
        body="Your order 1001 is confirmed.",
        idempotency_key=key,
        status_callback="https://shop.example.com/notifications/twilio/status/",
    )


# --- Request shape ---------------------------------------------------------------


@pytest.mark.usefixtures("twilio_settings")
def test_send_posts_the_message_to_twilio_and_returns_its_sid(stub_twilio):
    sid = send()

    [message] = stub_twilio.messages.values()
    assert sid == message["sid"]
    [request] = stub_twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.form == {
        "To": ["+14155552671"],
        "From": [FROM],
        "Body": ["Your order 1001 is confirmed."],
        "StatusCallback": ["https://shop.example.com/notifications/twilio/status/"],
    }
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request.headers["I-Twilio-Idempotency-Token"] == "order-1001-order_paid-sms"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.usefixtures("twilio_settings")
def test_send_without_callback_leaves_the_param_out(stub_twilio):
    sms.sms_send(to="+14155552671", body="hi", idempotency_key="k-2", status_callback=None)

    assert "StatusCallback" not in stub_twilio.requests[0].form


@pytest.mark.usefixtures("twilio_settings")
def test_each_send_carries_its_own_idempotency_key(stub_twilio):
    send("key-a")
    send("key-b")

    assert [r.headers["I-Twilio-Idempotency-Token"] for r in stub_twilio.requests] == ["key-a", "key-b"]


# --- Error policy ------------------------------------------------------------------


@pytest.mark.usefixtures("twilio_settings")
@pytest.mark.parametrize(
    ("status", "code", "permanent", "our_code"),
    [
        (400, 21610, True, "21610"),  # replied STOP
        (400, 21211, True, "21211"),  # invalid number
        (400, 21614, True, "21614"),  # not a mobile number
        (400, 21408, True, "21408"),  # region not enabled
        (429, 20429, False, "20429"),  # throttled
        (400, 21602, True, "21602"),  # any other 4xx: body required, no retry helps
        (500, 20500, False, "20500"),
        (503, 0, False, "503"),
    ],
)
def test_twilio_errors_map_to_delivery_errors(stub_twilio, status, code, permanent, our_code):
    stub_twilio.error(status, code)

    with pytest.raises(DeliveryError) as caught:
        send()

    assert caught.value.permanent is permanent
    assert caught.value.code == our_code


@pytest.mark.usefixtures("twilio_settings")
def test_a_5xx_without_a_json_body_is_retryable(stub_twilio):
    stub_twilio.reply(502, {})

    with pytest.raises(DeliveryError) as caught:
        send()

    assert (caught.value.permanent, caught.value.code) == (False, "502")


def test_a_slow_twilio_times_out_and_is_retryable(twilio_settings, stub_twilio):
    twilio_settings.TWILIO_TIMEOUT = 0.2
    stub_twilio.reply(201, message_json(), delay=1.0)

    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        send()

    assert time.monotonic() - started < 0.9
    assert (caught.value.permanent, caught.value.code) == (False, "timeout")


def test_an_unreachable_twilio_is_retryable(twilio_settings):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    twilio_settings.TWILIO_API_BASE = f"http://127.0.0.1:{free_port}"

    with pytest.raises(DeliveryError) as caught:
        send()

    assert (caught.value.permanent, caught.value.code) == (False, "connection")


# --- Console backend ---------------------------------------------------------------


def test_console_backend_logs_and_returns_a_fake_id(settings, caplog, stub_twilio):
    settings.SMS_BACKEND = "console"
    settings.TWILIO_API_BASE = stub_twilio.url

    with caplog.at_level("INFO", logger="commerce.notifications.sms"):
        sid = send("order-7-order_shipped-sms")

    assert sid == "console-order-7-order_shipped-sms"
    assert stub_twilio.requests == []
    [record] = [r for r in caplog.records if r.name == "commerce.notifications.sms"]
    assert record.to == "+14155552671"  # type: ignore[attr-defined]
    assert record.body == "Your order 1001 is confirmed."  # type: ignore[attr-defined]


# --- Phone numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+1 415 555 0100", "+14155550100"),
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  +14155552671 ", "+14155552671"),
    ],
)
def test_phone_normalize_returns_e164(settings, raw, e164):
    settings.PHONE_DEFAULT_REGION = "US"

    assert phone_normalize(raw) == e164


def test_phone_normalize_uses_the_region_given(settings):
    settings.PHONE_DEFAULT_REGION = "US"

    assert phone_normalize("020 7946 0958", default_region="GB") == "+442079460958"


@pytest.mark.parametrize("raw", ["", "12", "hello", "+1 415 555", "+999 1234 5678", "415-555-26711234"])
def test_phone_normalize_rejects_malformed_numbers(raw):
    with pytest.raises(ValidationError) as caught:
        phone_normalize(raw)

    assert caught.value.messages == ["Enter a valid mobile number, for example +1 415 555 0100."]


def test_phone_field_cleans_to_e164_and_reports_bad_input():
    class Form(forms.Form):
        phone = PhoneField(required=False)

    assert Form({"phone": "(415) 555-2671"}).is_valid()
    good = Form({"phone": "(415) 555-2671"})
    good.is_valid()
    assert good.cleaned_data == {"phone": "+14155552671"}
    empty = Form({"phone": ""})
    assert empty.is_valid()
    assert empty.cleaned_data == {"phone": ""}
    bad = Form({"phone": "555"})
    assert not bad.is_valid()
    assert bad.errors == {"phone": ["Enter a valid mobile number, for example +1 415 555 0100."]}

"""Twilio's webhooks, signed the way Twilio signs them: status callbacks and inbound STOP/START/HELP."""

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from commerce.accounts.models import User
from commerce.notifications.models import Channel, Event, Notification, Preference
from commerce.notifications.services import preference_enabled, preferences_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "twilio-test-token"
SITE = "https://shop.example.com"
STATUS_PATH = "/notifications/twilio/status/"
INBOUND_PATH = "/notifications/twilio/inbound/"
SID = "SM" + "a" * 32
S = Notification.Status


@pytest.fixture(autouse=True)
def _twilio_settings(settings):  # type: ignore[no-untyped-def]
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = SITE


def sign(path: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(SITE + path, params)


def post(client: Client, path: str, params: dict[str, str], signature: str | None = "sign"):  # type: ignore[no-untyped-def]
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = sign(path, params)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return client.post(path, params, headers=headers)


def sms_row(status: str = S.SENDING, sid: str = SID, key: str = "order-1-order_paid-sms") -> Notification:
    return Notification.objects.create(
        event=Event.ORDER_PAID,
        channel=Channel.SMS,
        recipient="+14155552671",
        body_text="Your order is confirmed.",
        status=status,
        provider_id=sid,
        idempotency_key=key,
    )


def status_params(status: str, sid: str = SID, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, **extra}


# --- Signatures --------------------------------------------------------------------


def test_a_signed_status_callback_is_applied(client):
    row = sms_row()

    response = post(client, STATUS_PATH, status_params("delivered"))

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == S.DELIVERED
    assert row.sent_at is not None


def test_a_signature_made_through_a_proxy_uses_site_url_not_the_request_host(client):
    """Twilio signs the public URL; the app sees another host behind the proxy and must not care."""
    row = sms_row()
    params = status_params("sent")

    # The test client asks for http://testserver/..., as a proxy in front of the app would.
    response = client.post(STATUS_PATH, params, headers={"X-Twilio-Signature": sign(STATUS_PATH, params)})

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == S.SENT


def test_a_signature_of_the_internal_url_is_refused(client):
    row = sms_row()
    params = status_params("sent")
    signature = RequestValidator(TOKEN).compute_signature("http://testserver" + STATUS_PATH, params)

    response = post(client, STATUS_PATH, params, signature=signature)

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == S.SENDING


def test_a_tampered_param_is_refused_and_changes_nothing(client):
    row = sms_row()
    signature = sign(STATUS_PATH, status_params("failed"))

    response = post(client, STATUS_PATH, status_params("delivered"), signature=signature)

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == S.SENDING


def test_a_signature_made_with_another_token_is_refused(client):
    row = sms_row()
    params = status_params("delivered")

    response = post(client, STATUS_PATH, params, signature=sign(STATUS_PATH, params, token="someone-else"))

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == S.SENDING


def test_a_missing_signature_is_refused(client):
    row = sms_row()

    response = post(client, STATUS_PATH, status_params("delivered"), signature=None)

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == S.SENDING


def test_a_signature_for_another_path_is_refused(client):
    params = status_params("delivered")

    response = post(client, STATUS_PATH, params, signature=sign(INBOUND_PATH, params))

    assert response.status_code == 403


def test_get_is_not_allowed(client):
    assert client.get(STATUS_PATH).status_code == 405
    assert client.get(INBOUND_PATH).status_code == 405


# --- Forward-only status ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "twilio_status", "end"),
    [
        (S.SENDING, "queued", S.SENT),
        (S.SENDING, "sending", S.SENT),
        (S.PENDING, "sent", S.SENT),
        (S.SENT, "delivered", S.DELIVERED),
        (S.SENDING, "delivered", S.DELIVERED),
        (S.SENT, "undelivered", S.FAILED),
        (S.SENT, "failed", S.FAILED),
        # Never backwards: a late "sent" after "delivered", anything after a final status.
        (S.DELIVERED, "sent", S.DELIVERED),
        (S.DELIVERED, "queued", S.DELIVERED),
        (S.DELIVERED, "failed", S.DELIVERED),
        (S.FAILED, "delivered", S.FAILED),
        (S.FAILED, "sent", S.FAILED),
        (S.SENT, "sent", S.SENT),
        (S.SENT, "accepted", S.SENT),
    ],
)
def test_status_moves_forward_only(client, start, twilio_status, end):
    row = sms_row(status=start)

    response = post(client, STATUS_PATH, status_params(twilio_status))

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == end


def test_a_failure_records_twilios_error_code(client):
    row = sms_row(status=S.SENT)

    post(client, STATUS_PATH, status_params("undelivered", ErrorCode="30005"))

    row.refresh_from_db()
    assert (row.status, row.last_error) == (S.FAILED, "Twilio undelivered (error 30005)")


def test_out_of_order_callbacks_end_delivered(client):
    row = sms_row()

    for status in ("delivered", "sent", "queued", "failed"):
        assert post(client, STATUS_PATH, status_params(status)).status_code == 200

    row.refresh_from_db()
    assert row.status == S.DELIVERED
    assert row.last_error == ""


def test_an_unknown_sid_is_acknowledged_and_logged(client, caplog):
    row = sms_row()

    with caplog.at_level("WARNING", logger="commerce.notifications"):
        response = post(client, STATUS_PATH, status_params("delivered", sid="SM" + "f" * 32))

    assert response.status_code == 200
    assert [r.message for r in caplog.records] == ["twilio status for an unknown message"]
    row.refresh_from_db()
    assert row.status == S.SENDING


# --- Inbound ---------------------------------------------------------------------------


def inbound(client: Client, body: str, sender: str = "+14155552671"):  # type: ignore[no-untyped-def]
    return post(client, INBOUND_PATH, {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": SID})


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop ", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"])
def test_stop_opts_the_number_out_and_keeps_the_sms_choices(client, word):
    user = UserFactory(phone="+14155552671")
    Preference.objects.create(user=user, event=Event.ORDER_SHIPPED, channel=Channel.SMS, enabled=True)
    Preference.objects.create(user=user, event=Event.ORDER_SHIPPED, channel=Channel.EMAIL, enabled=True)
    other = UserFactory(phone="+14155550199")

    response = inbound(client, word)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode() == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    user.refresh_from_db()
    other.refresh_from_db()
    assert (user.sms_opted_out, other.sms_opted_out) == (True, False)
    # No text goes out while stopped; the choice itself is kept for START.
    assert not any(preference_enabled(user=user, event=event, channel=Channel.SMS) for event in Event.values)
    assert preference_enabled(user=user, event=Event.ORDER_SHIPPED, channel=Channel.EMAIL) is True
    stored = set(Preference.objects.filter(user=user).values_list("event", "channel", "enabled"))
    assert stored == {(Event.ORDER_SHIPPED, Channel.SMS, True), (Event.ORDER_SHIPPED, Channel.EMAIL, True)}


def test_stop_matches_the_number_however_twilio_formats_it(client):
    user = UserFactory(phone="+14155552671")

    # Twilio sends E.164; normalizing also copes with anything else.
    post(client, INBOUND_PATH, {"From": "+1 (415) 555-2671", "Body": "STOP"})

    user.refresh_from_db()
    assert user.sms_opted_out is True


@pytest.mark.parametrize("word", ["START", "yes", "UNSTOP"])
def test_start_opts_the_number_in_again(client, word):
    user = UserFactory(phone="+14155552671", sms_opted_out=True)
    Preference.objects.create(user=user, event=Event.ORDER_PAID, channel=Channel.SMS, enabled=True)
    Preference.objects.create(user=user, event=Event.ORDER_PAID, channel=Channel.EMAIL, enabled=False)

    response = inbound(client, word)

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.sms_opted_out is False
    assert preference_enabled(user=user, event=Event.ORDER_PAID, channel=Channel.SMS) is True
    assert preference_enabled(user=user, event=Event.ORDER_PAID, channel=Channel.EMAIL) is False


def sms_choices(user: User) -> dict[str, bool]:
    return {event: preference_enabled(user=user, event=event, channel=Channel.SMS) for event in Event.values}


def test_stop_then_start_restores_exactly_the_earlier_sms_choices(client):
    user = UserFactory(phone="+14155552671")
    chosen = {event: False for event in Event.values} | {Event.ORDER_SHIPPED: True, Event.SUPPORT_REPLY: True}
    preferences_save(
        user=user,
        phone=user.phone,
        choices={(event, Channel.SMS): on for event, on in chosen.items()}
        | {(event, Channel.EMAIL): True for event in Event.values},
    )
    assert sms_choices(user) == chosen

    inbound(client, "STOP")
    user.refresh_from_db()
    assert sms_choices(user) == dict.fromkeys(Event.values, False)

    inbound(client, "START")
    user.refresh_from_db()
    assert sms_choices(user) == chosen


def test_help_replies_with_help_text(client, settings):
    settings.STORE_NAME = "Harbour Goods"
    user = UserFactory(phone="+14155552671")

    response = inbound(client, "help")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Harbour Goods: order updates by text. '
        "Reply STOP to unsubscribe, START to resubscribe. Help: https://shop.example.com/</Message></Response>"
    )
    user.refresh_from_db()
    assert user.sms_opted_out is False


def test_other_texts_change_nothing(client):
    user = UserFactory(phone="+14155552671")

    response = inbound(client, "please stop sending me these")

    assert response.status_code == 200
    assert response.content.decode() == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    user.refresh_from_db()
    assert user.sms_opted_out is False


def test_an_unsigned_stop_changes_nothing(client):
    user = UserFactory(phone="+14155552671")

    response = post(client, INBOUND_PATH, {"From": "+14155552671", "Body": "STOP"}, signature="bogus")

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.sms_opted_out is False
    assert not Preference.objects.exists()


def test_stop_from_an_unreadable_number_is_acknowledged(client):
    response = inbound(client, "STOP", sender="not-a-number")

    assert response.status_code == 200
    assert not Preference.objects.exists()

"""The account's "Email and text message settings" page while texts are stopped (STOP)."""

import pytest
from django.urls import reverse

from commerce.notifications.models import Channel, Event
from commerce.notifications.services import preference_enabled, preferences_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:notifications")


def test_saving_the_page_while_texts_are_stopped_keeps_the_sms_choices_for_start(client):
    user = UserFactory(phone="+14155552671")
    choices = {(event, channel): True for event in Event.values for channel in Channel.values}
    choices[(Event.ORDER_PAID, Channel.SMS)] = False
    preferences_save(user=user, phone=user.phone, choices=choices)
    user.sms_opted_out = True  # they replied STOP
    user.save(update_fields=["sms_opted_out"])
    client.force_login(user)

    page = client.get(PAGE)
    form = page.context["form"]
    assert form["order_shipped__sms"].initial is True  # shown as chosen, with the "texts are stopped" note
    assert form["order_paid__sms"].initial is False
    assert "Texts are stopped for this number" in page.content.decode()
    # Saving the page as shown (say, to switch off one email) changes only that.
    posted = {"phone": "+14155552671"} | {f"{event}__{channel}": "on" for (event, channel), on in choices.items() if on}
    posted.pop(f"{Event.ORDER_DELIVERED}__{Channel.EMAIL}")
    assert client.post(PAGE, posted).status_code == 302

    user.refresh_from_db()
    user.sms_opted_out = False  # START
    sms = {event: preference_enabled(user=user, event=event, channel=Channel.SMS) for event in Event.values}
    assert sms == {event: event != Event.ORDER_PAID for event in Event.values}
    assert preference_enabled(user=user, event=Event.ORDER_DELIVERED, channel=Channel.EMAIL) is False

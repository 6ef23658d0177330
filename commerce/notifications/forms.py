from typing import Any

from django import forms

from commerce.accounts.models import User

from .models import PREFERENCE_EVENTS, Channel
from .phone import PhoneField
from .services import preference_chosen


def field_name(event: str, channel: str) -> str:
    return f"{event}__{channel}"


class PreferencesForm(forms.Form):
    """A mobile number, and one checkbox per kind of message and channel."""

    phone = PhoneField(required=False, label="Mobile number (for text messages)")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["phone"].initial = user.phone
        self.rows: list[tuple[str, list[forms.BoundField]]] = []
        for event in PREFERENCE_EVENTS:
            bound = []
            for channel in Channel:
                name = field_name(event, channel)
                self.fields[name] = forms.BooleanField(
                    required=False,
                    label=f"{event.label} by {channel.label.lower()}",
                    # The choice as stored, also while texts are stopped (STOP): saving this form then
                    # keeps it for when they reply START, instead of turning every text off.
                    initial=preference_chosen(user=user, event=event, channel=channel)
                    if channel == Channel.EMAIL or user.phone
                    else False,
                )
                bound.append(self[name])
            self.rows.append((event.label, bound))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        wants_sms = any(data.get(field_name(e, Channel.SMS)) for e in PREFERENCE_EVENTS)
        if wants_sms and not data.get("phone"):
            self.add_error("phone", "Add a mobile number to get text messages.")
        return data

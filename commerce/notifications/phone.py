"""Mobile numbers in, E.164 out: the one place that parses what people type."""

from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

INVALID_MESSAGE = "Enter a valid mobile number, for example +1 415 555 0100."


def phone_normalize(raw: str, *, default_region: str | None = None) -> str:
    """Return `raw` as an E.164 number (+14155550100), or raise ValidationError.

    A number without a leading + is read as a number of `default_region`
    (settings.PHONE_DEFAULT_REGION when not given).
    """
    region = default_region or settings.PHONE_DEFAULT_REGION
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(forms.CharField):
    """A mobile number; cleans to E.164 ("" when left empty and not required)."""

    def __init__(self, *, default_region: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "With the country code if it is from abroad, for example +44 7700 900123.")
        super().__init__(**kwargs)
        self.default_region = default_region
        self.widget.attrs.setdefault("type", "tel")
        self.widget.attrs.setdefault("autocomplete", "tel")
        self.widget.attrs.setdefault("inputmode", "tel")

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        return phone_normalize(text, default_region=self.default_region)

from django import forms

from .models import EventType, WebhookEndpoint
from .sender import url_problem


class EndpointForm(forms.Form):
    """An endpoint as staff register or change it: where to POST, and which events."""

    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url", "spellcheck": "false"}),
        help_text="The https:// address that receives the POSTs (public addresses only).",
    )
    description = forms.CharField(max_length=200, required=False, help_text="What listens there (for staff).")
    events = forms.MultipleChoiceField(
        choices=EventType.choices, widget=forms.CheckboxSelectMultiple, help_text="Tick at least one."
    )
    active = forms.BooleanField(required=False, initial=True, help_text="Switched off: nothing is sent.")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        problem = url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> "EndpointForm":
        return cls(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
                "active": endpoint.active,
            }
        )

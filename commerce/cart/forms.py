from django import forms
from django.conf import settings

from commerce.orders.forms import COUNTRIES, clean_region
from commerce.places import country_name


def _quantity_field() -> forms.IntegerField:
    maximum = settings.CART_MAX_LINE_QUANTITY
    message = f"Choose a quantity between 1 and {maximum}."
    return forms.IntegerField(
        min_value=1,
        max_value=maximum,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class AddToCartForm(forms.Form):
    variant = forms.IntegerField(
        min_value=1, error_messages={"required": "Choose an option.", "invalid": "Choose an option."}
    )
    quantity = _quantity_field()


class QuantityForm(forms.Form):
    quantity = _quantity_field()


class DiscountCodeForm(forms.Form):
    # Longer than any code (32): what was typed is answered "not a code we know", not cut.
    code = forms.CharField(
        label="Discount code",
        max_length=100,
        error_messages={"required": "Enter a code.", "max_length": "That is not a discount code we know."},
    )


def estimate_countries() -> list[tuple[str, str]]:
    """The countries an address may be in (checkout's list), with the store's own if it is not one."""
    if any(code == settings.STORE_COUNTRY for code, _ in COUNTRIES):
        return list(COUNTRIES)
    return [(settings.STORE_COUNTRY, country_name(settings.STORE_COUNTRY)), *COUNTRIES]


class EstimateForm(forms.Form):
    """Where the cart page estimates shipping and tax for; the state or province is optional."""

    country = forms.ChoiceField(label="Country", choices=estimate_countries)
    region = forms.CharField(
        label="State / region",
        max_length=6,
        required=False,
        help_text="Optional. Its code: NY, ON.",
        widget=forms.TextInput(attrs={"autocomplete": "address-level1", "size": 6}),
    )

    def clean(self) -> dict[str, object]:
        """The region as its code, as an address's: "us-ny" and "ny" both read NY (optional here)."""
        return clean_region(self, super().clean() or {}, required=False)


def first_error(form: forms.Form) -> str:
    """The first error of a form, as one sentence for the shopper."""
    for errors in form.errors.values():
        return str(errors[0])
    return "Please check the form."

from django import forms
from django.conf import settings


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


def first_error(form: forms.Form) -> str:
    """The first error of a form, as one sentence for the shopper."""
    for errors in form.errors.values():
        return str(errors[0])
    return "Please check the form."

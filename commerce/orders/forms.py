from django import forms
from django.db.models import QuerySet

from commerce.accounts.models import Address
from commerce.places import is_region, region_code

COUNTRIES = [
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("NL", "Netherlands"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("AU", "Australia"),
]
# Where a parcel's address, shipping zones and tax rates need the state or province.
REGION_REQUIRED = {"US": "state", "CA": "province", "AU": "state"}


def clean_region(form: forms.BaseForm, cleaned: dict[str, object], *, required: bool) -> dict[str, object]:
    """`cleaned` with the region as its code after the country's ("us-ny" and "ny" both read NY);
    an unknown code is the region field's error, and so is a missing one when `required` and the
    country has states or provinces."""
    country, region = str(cleaned.get("country") or ""), str(cleaned.get("region") or "").strip().upper()
    if not country:
        return cleaned
    code = region_code(country, region)
    if region and not is_region(code):
        form.add_error("region", f"Enter the code of a {REGION_REQUIRED.get(country, 'region')}: NY, ON, NSW.")
    elif not region and required and country in REGION_REQUIRED:
        form.add_error("region", f"Enter the {REGION_REQUIRED[country]}.")
    cleaned["region"] = code.removeprefix(f"{country}-")
    return cleaned


class AddressForm(forms.ModelForm[Address]):
    country = forms.ChoiceField(choices=COUNTRIES)
    # Longer than the stored code: "US-NY" is read as NY (clean).
    region = forms.CharField(
        label="State / region",
        max_length=6,
        required=False,
        help_text="Its code: NY, ON, NSW.",
        widget=forms.TextInput(attrs={"autocomplete": "address-level1", "size": 6}),
    )

    class Meta:
        model = Address
        fields = ["full_name", "line1", "line2", "city", "postal_code", "country", "region", "phone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }
        labels = {"phone": "Phone (optional)"}

    def clean(self) -> dict[str, object]:
        """The region as its code; required where the country has states or provinces (not for a
        saved address, whose fields are optional)."""
        return clean_region(self, super().clean() or {}, required=self.fields["country"].required)


class CheckoutForm(AddressForm):
    """Where to ship, and where to send the receipt; signed-in shoppers may pick a saved address."""

    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    saved_address = forms.ModelChoiceField(queryset=Address.objects.none(), required=False, empty_label="A new address")
    save_address = forms.BooleanField(required=False, initial=True, label="Save this address for next time")
    billing_same = forms.BooleanField(required=False, initial=True, label="Bill to the shipping address")

    field_order = ["email", "saved_address", *AddressForm.Meta.fields, "save_address", "billing_same"]

    def __init__(self, *args: object, addresses: "QuerySet[Address] | None" = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if addresses is not None and addresses.exists():
            self.fields["saved_address"].queryset = addresses  # type: ignore[attr-defined]
            if not self.is_bound:  # the address book's default, preselected
                self.fields["saved_address"].initial = addresses.filter(default_shipping=True).first()
            # A chosen saved address makes the new-address fields optional.
            if self.data.get(self.add_prefix("saved_address")):
                for name in AddressForm.Meta.fields:
                    self.fields[name].required = False
        else:
            del self.fields["saved_address"]

    def address_snapshot(self) -> dict[str, str]:
        saved = self.cleaned_data.get("saved_address")
        if isinstance(saved, Address):
            return saved.as_snapshot()
        return {name: str(self.cleaned_data.get(name) or "") for name in AddressForm.Meta.fields}


class BillingAddressForm(AddressForm):
    """Where the invoice goes, when not to the shipping address (checkout's `billing-` fields)."""

    prefix = "billing"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():  # told apart from the shipping fields by name and by ear
            field.label = f"Billing {str(field.label).lower()}"
        self.fields["full_name"].widget.attrs["autocomplete"] = "billing name"
        self.fields["line1"].widget.attrs["autocomplete"] = "billing address-line1"

    def address_snapshot(self) -> dict[str, str]:
        return {name: str(self.cleaned_data.get(name) or "") for name in AddressForm.Meta.fields}


class OrderLookupForm(forms.Form):
    """An order number and the email it was placed with."""

    number = forms.CharField(
        label="Order number",
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": "LS-XXXX-XXXX", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Email used for the order", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().upper()

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

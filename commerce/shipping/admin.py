"""Shipping in the admin: zones with their methods, methods with their weight brackets.

Django's admin does not nest inlines, so a zone's page lists its methods and each method's own page
(the "Change" link beside it) holds its brackets.
"""

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from commerce.money import format_money

from .models import ShippingMethod, ShippingZone, WeightBracket

SEPARATORS = re.compile(r"[\s,;]+")


class CodesField(forms.CharField):
    """Codes typed as "US, ca gb" kept as ["CA", "GB", "US"] (a JSON list on the model)."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return sorted({code for code in SEPARATORS.split(text.upper()) if code})

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


class ShippingZoneForm(forms.ModelForm[ShippingZone]):
    countries = CodesField(required=False, help_text="ISO 3166-1 codes, e.g. US, CA.")
    regions = CodesField(
        required=False, help_text="ISO 3166-2 codes of regions shipped to apart from their country, e.g. US-AK, US-HI."
    )

    class Meta:
        model = ShippingZone
        fields = ["name", "countries", "regions", "is_rest_of_world"]


class MethodFormSet(BaseInlineFormSet[ShippingMethod, ShippingZone, Any]):
    def get_unique_error_message(self, unique_check: Any) -> str:
        return "Two methods have the same name: shoppers could not tell them apart. Rename one."


class ShippingMethodInline(admin.TabularInline[ShippingMethod, ShippingZone]):
    model = ShippingMethod
    formset = MethodFormSet
    extra = 1
    fields = ("name", "price", "free_over", "estimate", "is_active", "position")
    show_change_link = True  # the method's own page holds its weight brackets


def rate_text(method: ShippingMethod) -> str:
    """The rate as a shop owner reads it: "$5.00", or "by weight: up to 1,000 g $6.00; up to 5,000 g $9.00"."""
    brackets = list(method.brackets.all())
    if not brackets:
        return format_money(method.price)
    return "by weight: " + "; ".join(f"up to {b.up_to:,} g {format_money(b.price)}" for b in brackets)


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin[ShippingZone]):
    form = ShippingZoneForm
    list_display = ("name", "ships_to", "methods_offered")
    search_fields = ("name",)
    inlines = (ShippingMethodInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShippingZone]:
        return super().get_queryset(request).prefetch_related("methods__brackets")

    @admin.display(description="ships to")
    def ships_to(self, zone: ShippingZone) -> str:
        if zone.is_rest_of_world:
            return "Every country no other zone names"
        return ", ".join([*zone.countries, *zone.regions])

    @admin.display(description="methods")
    def methods_offered(self, zone: ShippingZone) -> str:
        offered = [f"{m.name} ({rate_text(m)})" for m in zone.methods.all() if m.is_active]
        return "; ".join(offered) or "None: nothing ships here"


class BracketFormSet(BaseInlineFormSet[WeightBracket, ShippingMethod, Any]):
    def get_unique_error_message(self, unique_check: Any) -> str:
        return "Two brackets go up to the same weight: keep one price per weight."


class WeightBracketInline(admin.TabularInline[WeightBracket, ShippingMethod]):
    model = WeightBracket
    formset = BracketFormSet
    extra = 3
    fields = ("up_to", "price")
    verbose_name = "weight bracket"
    verbose_name_plural = "weight brackets (leave empty for the flat rate; a heavier parcel cannot use this method)"


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin[ShippingMethod]):
    list_display = ("name", "zone", "rate", "free_over_text", "estimate", "is_active", "position")
    list_editable = ("is_active", "position")
    list_filter = ("zone", "is_active")
    list_select_related = ("zone",)
    search_fields = ("name", "zone__name")
    fields = ("zone", "name", "price", "free_over", "estimate", "is_active", "position")
    inlines = (WeightBracketInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShippingMethod]:
        return super().get_queryset(request).prefetch_related("brackets")

    @admin.display(description="rate")
    def rate(self, method: ShippingMethod) -> str:
        return rate_text(method)

    @admin.display(description="free over", ordering="free_over")
    def free_over_text(self, method: ShippingMethod) -> str:
        return "—" if method.free_over is None else format_money(method.free_over)

from .models import TaxRate, place


def rate_for(*, country: str, region: str = "") -> TaxRate | None:
    """The active rate for an address: its region's when there is one (it replaces the country's),
    else its country's; None where the store charges no tax."""
    country, region = place(country, region)
    places = TaxRate.objects.filter(active=True, country=country, region__in={"", region})
    return places.order_by("-region").first()  # a region's rate sorts before the country's ("")

from project.snapshots import Snapshot

from .models import TaxRate, place


def _load_rates() -> tuple[TaxRate, ...]:
    return tuple(TaxRate.objects.filter(active=True))


# Read once per process until staff change a rate (project/snapshots.py).
RATES = Snapshot("tax-rates", _load_rates)


def rate_for(*, country: str, region: str = "") -> TaxRate | None:
    """The active rate for an address: its region's when there is one (it replaces the country's),
    else its country's; None where the store charges no tax."""
    country, region = place(country, region)
    found = [rate for rate in RATES.get() if rate.country == country and rate.region in {"", region}]
    return max(found, key=lambda rate: rate.region, default=None)  # a region's rate before the country's ("")

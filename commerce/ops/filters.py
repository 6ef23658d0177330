"""The feed's filter form (status, day): read from the query string, bad values dropped and said."""

from dataclasses import dataclass
from datetime import date

from django.http import QueryDict

from commerce.orders.models import Order

S = Order.Status
# The order the statuses are shown in: the way an order travels, then its two endings.
STATUSES: list[tuple[str, str]] = [(s.value, s.label) for s in S]


@dataclass(frozen=True)
class FeedFilter:
    status: str = ""
    day: date | None = None
    error: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.day)

    def accepts(self, today: date) -> list[str]:
        """The statuses of new orders this feed takes at its top (none when it shows another day)."""
        if self.day is not None and self.day != today:
            return []
        return [self.status] if self.status else [code for code, _label in STATUSES]


FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)


def feed_filter(params: QueryDict) -> FeedFilter:
    status = params.get("status", "")
    raw_day = params.get("date", "").strip()
    errors = []
    if status not in S.values:
        if status:
            errors.append("Unknown status: showing every status.")
        status = ""
    day = None
    if raw_day:
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            errors.append("That is not a date (YYYY-MM-DD): showing every day.")
        else:
            if not FIRST_DAY <= day <= LAST_DAY:
                # Far from the datetime range's ends, whose local midnights would overflow it.
                errors.append(f"Dates go from {FIRST_DAY} to {LAST_DAY}: showing every day.")
                day = None
    return FeedFilter(status=status, day=day, error=" ".join(errors))

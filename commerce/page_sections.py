"""Parts one area adds to another area's page, so that neither imports the other.

The product page (catalog) shows reviews, recommendations, "Save" and "Notify me"; the cart page
shows recommendations. Catalog and cart know none of those areas: each area registers a function
for a named slot in its `AppConfig.ready`, and the page's view asks for the slot's parts.

A section is `section(request, **context) -> Part | None`. It runs on every request for its page,
after the view checked what the page may show, so it must be cheap (a cached part, a small query)
and may name topics the page then follows (its live updates). The slots:

- `product:buy`: under the add-to-cart form (context: `product`, the product's pk; `variants`,
  its variants' pks in page order);
- `product:after`: below the product (same context);
- `cart:after`: below the cart (context: `variants`, the pks of the variants in the cart;
  `products`, their products' pks).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from realtime.pages import follow


@dataclass(frozen=True)
class Part:
    html: str  # rendered by a template (escaped), or built from escaped values
    topics: list[str] = field(default_factory=list)


Section = Callable[..., Part | None]
_sections: dict[str, list[tuple[int, Section]]] = {}


def add_section(slot: str, section: Section, *, order: int = 0) -> None:
    """Show what `section` returns in `slot` of its page, parts in `order` (then registration order)."""
    registered = _sections.setdefault(slot, [])
    if all(known is not section for _, known in registered):
        registered.append((order, section))
        registered.sort(key=lambda item: item[0])


def render_sections(request: HttpRequest, slot: str, **context: Any) -> SafeString:
    """The slot's parts for this request, joined; the page follows their topics."""
    html = []
    for _, section in _sections.get(slot, []):
        part = section(request, **context)
        if part is None:
            continue
        html.append(part.html)
        if part.topics:
            follow(request, *part.topics)
    return mark_safe("".join(html))  # noqa: S308 - each part is rendered by a template

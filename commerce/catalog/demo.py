"""The demo catalog and its generated product pictures (used by `seed_demo`)."""

import io
import random
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont

PALETTE = {
    "Navy": (31, 58, 104),
    "Sand": (214, 196, 160),
    "Forest": (40, 92, 62),
    "Coral": (232, 106, 88),
    "Charcoal": (58, 60, 64),
    "Sky": (112, 168, 214),
    "Mustard": (214, 164, 46),
    "Plum": (112, 62, 108),
    "White": (240, 238, 232),
    "Rust": (168, 78, 44),
}


@dataclass(frozen=True)
class DemoCategory:
    name: str
    slug: str
    kind: str
    options: list[tuple[str, Decimal]]  # option label, price added to the base price
    base_price: Decimal
    products: list[tuple[str, str]]  # name, colour


CATEGORIES = [
    DemoCategory(
        "T-shirts",
        "t-shirts",
        "tee",
        [("S", Decimal("0")), ("M", Decimal("0")), ("L", Decimal("0")), ("XL", Decimal("2.00"))],
        Decimal("24.00"),
        [
            ("Harbour Tee", "Navy"),
            ("Dune Tee", "Sand"),
            ("Canopy Tee", "Forest"),
            ("Reef Tee", "Coral"),
            ("Slate Tee", "Charcoal"),
            ("Cirrus Tee", "Sky"),
            ("Pollen Tee", "Mustard"),
        ],
    ),
    DemoCategory(
        "Hoodies",
        "hoodies",
        "hoodie",
        [("S", Decimal("0")), ("M", Decimal("0")), ("L", Decimal("0")), ("XL", Decimal("4.00"))],
        Decimal("58.00"),
        [
            ("Nightwatch Hoodie", "Navy"),
            ("Trailhead Hoodie", "Forest"),
            ("Ember Hoodie", "Rust"),
            ("Granite Hoodie", "Charcoal"),
            ("Fig Hoodie", "Plum"),
            ("Drift Hoodie", "Sand"),
            ("Updraft Hoodie", "Sky"),
        ],
    ),
    DemoCategory(
        "Mugs",
        "mugs",
        "mug",
        [("11 oz", Decimal("0")), ("15 oz", Decimal("3.00"))],
        Decimal("14.00"),
        [
            ("Morning Mug", "White"),
            ("Campfire Mug", "Rust"),
            ("Deep Sea Mug", "Navy"),
            ("Meadow Mug", "Forest"),
            ("Sunrise Mug", "Coral"),
            ("Honey Mug", "Mustard"),
            ("Storm Mug", "Charcoal"),
        ],
    ),
    DemoCategory(
        "Posters",
        "posters",
        "poster",
        [("A3", Decimal("0")), ("A2", Decimal("8.00")), ("A1", Decimal("18.00"))],
        Decimal("19.00"),
        [
            ("Live Wire Poster", "Mustard"),
            ("Tideline Poster", "Sky"),
            ("Switchback Poster", "Forest"),
            ("Afterglow Poster", "Coral"),
            ("Nocturne Poster", "Plum"),
            ("Quarry Poster", "Charcoal"),
            ("Lantern Poster", "Rust"),
        ],
    ),
]

# Categories that sit under another: slug -> (the parent's name, its slug). The parent holds no products
# of its own; its page shows its subcategories' (one level of nesting, so the demo shows breadcrumbs).
PARENTS = {"t-shirts": ("Clothing", "clothing"), "hoodies": ("Clothing", "clothing")}


def children_of(parent_slug: str) -> list[str]:
    return [slug for slug, (_, parent) in PARENTS.items() if parent == parent_slug]


# Products whose every option is sold out, so the demo shows that state too.
SOLD_OUT = {"Reef Tee", "Storm Mug"}
# Products on sale, so the demo shows a struck-through price too: their price before the sale is this
# much above each option's price.
ON_SALE = {"Canopy Tee": Decimal("6.00")}


def stock_for(sku: str, product_name: str) -> int:
    """A stable stock figure per SKU: mostly healthy, some low, some sold out."""
    if product_name in SOLD_OUT:
        return 0
    roll = random.Random(sku).random()  # noqa: S311 - demo data, not security
    if roll < 0.12:
        return 0
    if roll < 0.35:
        return random.Random(sku + "low").randint(1, 4)  # noqa: S311
    return random.Random(sku + "ok").randint(8, 60)  # noqa: S311


def compare_at_for(product_name: str, price: Decimal) -> Decimal | None:
    """The price before the sale of an option of an `ON_SALE` product; None for the others."""
    markup = ON_SALE.get(product_name)
    return None if markup is None else price + markup


def description_for(name: str, category: DemoCategory, colour: str) -> str:
    what = {
        "tee": "a soft, heavyweight cotton tee",
        "hoodie": "a brushed-fleece hoodie with a roomy hood",
        "mug": "a glazed stoneware mug, dishwasher safe",
        "poster": "a matte art print on 200 gsm paper",
    }[category.kind]
    return (
        f"{name} is {what} in {colour.lower()}.\n\n"
        f"Made in small runs. Stock on this page is live: what you see is what is left."
    )


def _shape(draw: ImageDraw.ImageDraw, kind: str, size: int, colour: tuple[int, int, int]) -> None:
    s = size
    outline = tuple(max(0, c - 40) for c in colour)
    if kind in {"tee", "hoodie"}:
        body = [
            (s * 0.30, s * 0.28),
            (s * 0.70, s * 0.28),
            (s * 0.86, s * 0.40),
            (s * 0.76, s * 0.50),
            (s * 0.70, s * 0.46),
            (s * 0.70, s * 0.80),
            (s * 0.30, s * 0.80),
            (s * 0.30, s * 0.46),
            (s * 0.24, s * 0.50),
            (s * 0.14, s * 0.40),
        ]
        draw.polygon(body, fill=colour, outline=outline, width=4)
        if kind == "hoodie":
            draw.ellipse([s * 0.40, s * 0.20, s * 0.60, s * 0.36], fill=colour, outline=outline, width=4)
            draw.line([(s * 0.50, s * 0.36), (s * 0.50, s * 0.80)], fill=outline, width=3)
        else:
            draw.arc([s * 0.42, s * 0.22, s * 0.58, s * 0.34], 0, 180, fill=outline, width=4)
    elif kind == "mug":
        draw.rounded_rectangle(
            [s * 0.28, s * 0.30, s * 0.64, s * 0.76], radius=int(s * 0.04), fill=colour, outline=outline, width=4
        )
        draw.arc([s * 0.56, s * 0.40, s * 0.78, s * 0.64], -90, 90, fill=outline, width=int(s * 0.035))
    else:
        draw.rectangle([s * 0.26, s * 0.16, s * 0.74, s * 0.84], fill=(250, 248, 242), outline=(60, 60, 60), width=3)
        draw.ellipse([s * 0.36, s * 0.30, s * 0.64, s * 0.58], fill=colour)
        draw.polygon(
            [
                (s * 0.30, s * 0.78),
                (s * 0.46, s * 0.56),
                (s * 0.58, s * 0.70),
                (s * 0.64, s * 0.62),
                (s * 0.70, s * 0.78),
            ],
            fill=tuple(max(0, c - 60) for c in colour),
        )


def product_picture(name: str, kind: str, colour_name: str, *, size: int = 600, alt_view: bool = False) -> bytes:
    """Draw a JPEG of the product: a soft gradient, its silhouette in its colour, and its name."""
    colour = PALETTE[colour_name]
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    top = (246, 244, 238) if not alt_view else tuple(min(255, c + 150) for c in colour)
    bottom = (226, 224, 216) if not alt_view else tuple(min(255, c + 90) for c in colour)
    for y in range(size):
        t = y / size
        draw.line([(0, y), (size, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    _shape(draw, kind, size, colour)
    font = ImageFont.load_default(size=int(size * 0.055))
    text = name.upper()
    width = draw.textlength(text, font=font)
    draw.text(((size - width) / 2, size * 0.87), text, fill=(40, 40, 40), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()

"""`{% product_image image "card" alt=... %}`: a product picture at the size the page shows it.

With renditions (commerce/catalog/images.py): a `<picture>` whose WebP `<source>` and JPEG `<img>`
carry a `srcset` of the widths made and the `sizes` of the box on the page, so the browser fetches the
smallest file that fills it. Without them: the original. Either way `width`/`height` (the box, at the
picture's aspect ratio) reserve the space, and pictures below the fold load lazily. The markup depends
on the image alone, never on the request: cards and product pages are cached per catalog version.
"""

from dataclasses import dataclass

from django import template
from django.core.files.storage import default_storage
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from commerce.catalog.models import ProductImage

register = template.Library()


@dataclass(frozen=True)
class Preset:
    box: int  # the width shown on a desktop page, in CSS pixels (the `width` attribute)
    sizes: str  # the width shown at each page width (static/css/store.css), for the browser's choice
    smallest: int  # the srcset's range: smaller files never suit this box, larger ones are never needed
    largest: int


# Product page: the gallery column is 1.1fr of the container (1200px, less 2rem under 1232px) less a
# 2.5rem gap beside 1fr; one column under 760px. Catalog cards: four columns beside the filters on a
# desktop, two under 760px.
PRESETS = {
    "thumb": Preset(80, "80px", 0, 320),
    "card": Preset(320, "(max-width: 760px) 50vw, 320px", 160, 960),
    "full": Preset(
        600, "(max-width: 760px) calc(100vw - 2rem), (max-width: 1232px) calc((100vw - 4.5rem) * .52), 608px", 320, 1200
    ),
}


def _srcset(files: list[dict[str, int | str]], fmt: str) -> str:
    return ", ".join(f"{default_storage.url(str(f[fmt]))} {f['width']}w" for f in files)


@register.simple_tag
def product_image(
    image: ProductImage,
    preset: str = "card",
    *,
    alt: str = "",
    lazy: bool = True,
    priority: bool = False,
    sizes: str = "",
    box: int = 0,
    css_class: str = "",
) -> SafeString:
    """`{% product_image image "card" alt=image.alt|default:product.name %}`: see the module.

    `preset` is "thumb", "card" or "full"; `sizes` and `box` override its sizes and width where a page
    shows the picture at another size (the cart's lines, the wishlist). `lazy=False` for pictures
    above the fold (they load at once); `priority=True` for the page's main picture (fetched first).
    """
    spec = PRESETS[preset]
    width = box or spec.box
    sizes = sizes or spec.sizes
    renditions = image.renditions or {}
    if renditions.get("name") != image.image.name:  # made from a picture since replaced: not yet its own
        renditions = {}
    files = [f for f in renditions.get("files", []) if spec.smallest <= f["width"] <= spec.largest]
    if not files and renditions.get("files"):
        files = [min(renditions["files"], key=lambda f: abs(f["width"] - width))]
    # The aspect ratio is unknown until the sizes are made; the catalog's boxes are square (store.css).
    height = round(width * renditions["height"] / renditions["width"]) if renditions.get("width") else width
    loading = mark_safe(  # noqa: S308 - constant markup
        (' loading="lazy"' if lazy else "") + (' fetchpriority="high"' if priority else ' decoding="async"')
    )
    class_attr = format_html(' class="{}"', css_class) if css_class else ""
    if not files:
        return format_html(
            '<img{} src="{}" alt="{}" width="{}" height="{}"{}>',
            class_attr,
            image.image.url,
            alt,
            width,
            height,
            loading,
        )
    fallback = max(files, key=lambda f: int(f["width"]))
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img{} src="{}" srcset="{}" sizes="{}" alt="{}" width="{}" height="{}"{}></picture>',
        _srcset(files, "webp"),
        sizes,
        class_attr,
        default_storage.url(str(fallback["jpeg"])),
        _srcset(files, "jpeg"),
        sizes,
        alt,
        width,
        height,
        loading,
    )


@register.filter
def beyond(counter: int, count: int) -> bool:
    """`forloop.counter|beyond:4`: past the first `count` (the first row of cards loads at once)."""
    return int(counter) > int(count)

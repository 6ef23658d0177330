"""Head tags for search engines and link previews (commerce/catalog/seo.py):

- `{% canonical_url %}`: this page's address on SITE_URL without its query; `{% canonical_url "category" "page" %}`
  keeps the named parameters that make a different page (a page number only past the first);
- `{% social_tags %}`: Open Graph and Twitter card tags, the store's defaults, or a page's own
  (`{% social_tags shown.head.social %}`);
- `{% home_json_ld %}`: the Organization (and WebSite search) JSON-LD, on the home page only.
"""

from typing import Any

from django import template
from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from commerce.catalog import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context: template.Context, *keep: str) -> str:
    request = context.get("request")
    if request is None:
        return seo.absolute("/")
    params = QueryDict(mutable=True)
    for name in keep:
        value = request.GET.get(name, "")
        if name == "page" and not (value.isascii() and value.isdigit() and int(value) > 1):
            continue  # page 1 is the page without a number; anything else is no page of its own
        if value:
            params[name] = value
    query = f"?{params.urlencode()}" if params else ""
    return seo.absolute(request.path + query)


@register.simple_tag(takes_context=True)
def social_tags(context: template.Context, page: dict[str, Any] | None = None) -> SafeString:
    request = context.get("request")
    tags = {
        "type": "website",
        "title": settings.STORE_NAME,
        "description": f"{settings.STORE_NAME}: a store that updates live.",
        "url": seo.absolute(request.path if request is not None else "/"),
        "image": "",
        **(page or {}),
    }
    return render_to_string("catalog/_social.html", {"tags": tags, "STORE_NAME": settings.STORE_NAME})


@register.simple_tag(takes_context=True)
def home_json_ld(context: template.Context) -> SafeString:
    request = context.get("request")
    if request is None or request.path != reverse("catalog:list"):
        return mark_safe("")
    return seo.json_ld(seo.organization(), element_id="organization-ld")

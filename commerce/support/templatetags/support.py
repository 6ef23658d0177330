"""Message text: escaped, line breaks kept, links clickable but inert (nofollow, noopener)."""

from django import template
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

from commerce.support.models import Message
from commerce.support.services import author_name as _author_name

register = template.Library()


@register.filter
def support_text(body: str) -> SafeString:
    """Plain text as HTML: markup shows as text; http(s) links and bare domains become links."""
    linked = urlize(body, nofollow=True, autoescape=True)
    linked = linked.replace(' rel="nofollow"', ' rel="nofollow noopener noreferrer" target="_blank"')
    # urlize escaped everything it did not turn into a link; line breaks become <br>.
    return mark_safe(linked.replace("\n", "<br>"))  # noqa: S308 - built from escaped text


@register.filter
def author_name(message: Message) -> str:
    return _author_name(message)

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .session import widget_state


def support(request: HttpRequest) -> dict[str, object]:
    """`support.unread` for the widget's badge; read only if the page shows the widget."""
    return {"support": SimpleLazyObject(lambda: widget_state(request))}

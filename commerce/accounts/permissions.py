"""Who may open staff pages: staff in one role (support, ops). Used by those areas' views."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

View = Callable[..., HttpResponseBase]


def role_required(role: str) -> Callable[[View], View]:
    """Staff in `role` only: anonymous people are sent to sign in, others get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.in_role(role):
                raise PermissionDenied(f"Staff with the {role} role only.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

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


STAFF_ROLES = ("support", "ops")


def in_any_role(user: object, roles: tuple[str, ...] = STAFF_ROLES) -> bool:
    """Staff in one of `roles` (superusers are in every role); False for anyone else, signed in or not."""
    from .models import User

    return isinstance(user, User) and any(user.in_role(role) for role in roles)


class RoleAdminMixin:
    """An admin page of customers' data (orders, payments, addresses): staff in one of `view_roles`
    only, on top of Django's model permissions, so staff without a role see none of it. Changes
    need one of `change_roles` too."""

    view_roles: tuple[str, ...] = STAFF_ROLES
    change_roles: tuple[str, ...] = STAFF_ROLES

    def has_module_permission(self, request: HttpRequest) -> bool:
        return in_any_role(request.user, self.view_roles) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return in_any_role(request.user, self.view_roles) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return in_any_role(request.user, self.change_roles) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return in_any_role(request.user, self.change_roles) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return in_any_role(request.user, self.change_roles) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class ReadOnlyRoleAdminMixin(RoleAdminMixin):
    """A record only the store's own services write (payments from Stripe's news, issued invoices):
    staff in a role may look at it; nobody adds, edits or deletes it by hand."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

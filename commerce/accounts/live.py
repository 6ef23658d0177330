"""Live sockets follow who a person is: signing out closes that browser session's sockets, and a
withdrawn role (a group removed, staff or superuser status taken away, the account deactivated or
deleted) closes every socket of the user, in every process.

Roles change in the admin and in code (`user.groups.remove(...)`, `group.user_set.clear()`, a
save), so the hooks are model signals; the sockets close once the change has committed.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from realtime import closing

from .models import User

# What a user's roles hang on: losing any of them may end what their pages follow.
ROLE_FLAGS = ("is_active", "is_staff", "is_superuser")


def sockets_close_for_session(session_key: str) -> None:
    """After commit: close every socket of this browser session (it signed out)."""
    group = closing.session_group(session_key)
    transaction.on_commit(lambda: closing.close_group(group, code=closing.CLOSE_SIGNED_OUT), robust=True)


def sockets_recheck_for_user(user_pk: int) -> None:
    """After commit: close every socket of this user; pages reconnect and follow only what is still allowed."""
    group = closing.user_group(user_pk)
    transaction.on_commit(lambda: closing.close_group(group, code=closing.CLOSE_RECHECK), robust=True)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.live.groups_changed")
def groups_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in {"post_remove", "pre_clear"}:
        return
    if not reverse:  # user.groups.remove(...) / .clear() / .set(...)
        sockets_recheck_for_user(instance.pk)
    elif action == "post_remove":  # group.user_set.remove(...)
        for user_pk in sorted(pk_set or ()):
            sockets_recheck_for_user(user_pk)
    else:  # group.user_set.clear(): the members, read before they go
        for user_pk in instance.user_set.values_list("pk", flat=True):
            sockets_recheck_for_user(user_pk)


@receiver(pre_save, sender=User, dispatch_uid="accounts.live.flags_before")
def flags_before(sender: Any, instance: User, update_fields: frozenset[str] | None, **kwargs: Any) -> None:
    """Remember the role flags as stored, when this save may change them (not a sign-in's last_login)."""
    if instance.pk is None or (update_fields is not None and not set(update_fields) & set(ROLE_FLAGS)):
        return
    instance._role_flags_before = User.objects.filter(pk=instance.pk).values(*ROLE_FLAGS).first()  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="accounts.live.flags_after")
def flags_after(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    before = instance.__dict__.pop("_role_flags_before", None)
    if before and any(before[flag] and not getattr(instance, flag) for flag in ROLE_FLAGS):
        sockets_recheck_for_user(instance.pk)


@receiver(post_delete, sender=User, dispatch_uid="accounts.live.deleted")
def user_deleted(sender: Any, instance: User, **kwargs: Any) -> None:
    sockets_recheck_for_user(instance.pk)

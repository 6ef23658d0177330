"""A guest who signs in keeps the conversations they started in that browser."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from . import services
from .session import session_conversations, session_forget_conversations


@receiver(user_logged_in, dispatch_uid="support.adopt_guest_conversations")
def adopt_guest_conversations(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    pks = session_conversations(request.session)
    if pks:
        services.conversations_adopt(user=user, conversation_pks=pks)
        session_forget_conversations(request.session)

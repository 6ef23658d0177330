"""Support pages: the customer's widget (/help/...) and the staff inbox (/support/...)."""

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.validators import validate_email
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commerce.accounts.models import User
from commerce.accounts.permissions import role_required
from commerce.cart.selectors import cart_summary
from commerce.orders.session import order_for_request
from project.clients import client_address
from project.errors import error_response
from project.http import HtmxHttpRequest
from realtime.pages import follow, page_topics_off

from . import limits, presence, selectors, services
from .errors import SupportError
from .models import BODY_MAX_LENGTH, CannedReply, Conversation
from .session import customer_of, session_conversations, session_current, session_remember

View = Callable[..., HttpResponse]


agent_required = role_required("support")


# --- Customer -------------------------------------------------------------------------------


def _widget_context(request: HtmxHttpRequest, conversation: Conversation | None, **extra: Any) -> dict[str, Any]:
    online = presence.agents_online()
    return {
        "conversation": conversation,
        "thread_messages": selectors.thread(conversation) if conversation else [],
        "agents_online": None if online is None else bool(online),  # None: not known (Redis is down)
        "needs_email": conversation is None and not request.user.is_authenticated,
        "max_length": BODY_MAX_LENGTH,
        "errors": {},
        "client_key": services.client_key_new(),
        **extra,
    }


def _agents_context() -> dict[str, Any]:
    """The agents online, for the staff pages; "unknown" rather than an error while Redis is down."""
    online = presence.agents_online()
    agents = list(User.objects.filter(pk__in=online).order_by("first_name", "email")) if online else []
    return {"agents": agents, "presence_unknown": online is None}


@require_GET
def help_page(request: HtmxHttpRequest) -> HttpResponse:
    """The widget's body (htmx), or the same as a page of its own (links in emails, no JavaScript)."""
    conversation = selectors.customer_conversation(
        user=customer_of(request),
        session_conversations=session_conversations(request.session),
        current_pk=session_current(request.session),
    )
    template = "support/_widget.html" if request.htmx else "support/help.html"
    return render(request, template, _widget_context(request, conversation))


@require_GET
def help_link(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A guest's signed link from a notification: this browser may see the conversation from now on."""
    conversation = selectors.conversation_from_link(token)
    if conversation is None:
        raise Http404("This link has expired. Write to us again from any page.")
    session_remember(request.session, conversation, guest=customer_of(request) is None)
    return redirect("support:help")


@require_POST
def help_post(request: HtmxHttpRequest) -> HttpResponse:
    """A customer's message: to the conversation the widget shows, or a new one."""
    customer = customer_of(request)
    body = request.POST.get("body", "")
    email = request.POST.get("email", "").strip()
    conversation: Conversation | None = None
    pk = request.POST.get("conversation", "")
    if pk:
        conversation = Conversation.objects.filter(pk=pk).first() if pk.isdigit() else None
        if conversation is None or not selectors.customer_can_access(
            user=customer, session_conversations=session_conversations(request.session), conversation=conversation
        ):
            raise Http404("No such conversation.")
    errors: dict[str, str] = {}
    if conversation is None and customer is None:
        try:
            validate_email(email)
        except Exception:
            errors["email"] = "Enter your email address, so we can answer you."
    if request.session.session_key is None:
        request.session.save()
    session_key = request.session.session_key or ""
    started = conversation is None
    try:
        services.body_clean(body)
        if errors:
            raise SupportError("")
        client_key = services.client_key_clean(request.POST.get("client_key", ""))
        # The same form again (a retry after an error or a time-out, a double click): the message
        # it stored is the answer, and nothing is stored or counted twice.
        earlier = services.message_sent_before(
            client_key=client_key, author=customer, from_staff=False, conversation=conversation, guest_email=email
        )
        if earlier is not None:
            conversation = earlier.conversation
        else:
            limits.rate_check_customer(user=customer, session_key=session_key, address=client_address(request))
            conversation, _message = services.customer_message_post(
                customer=customer,
                conversation=conversation,
                body=body,
                guest_email=email,
                session_key=session_key,
                client_key=client_key,
            )
    except SupportError as exc:
        if exc.message:
            errors["body"] = exc.message
        context = _widget_context(request, conversation, errors=errors, body=body, email=email)
        return error_response(request, "support/_widget.html", context, exc)
    session_remember(request.session, conversation, guest=customer is None)
    if not request.htmx:
        return redirect("support:help")
    conversation.refresh_from_db()
    return render(request, "support/_widget.html", _widget_context(request, conversation, refresh=started))


@require_http_methods(["GET", "POST"])
def email_check(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The link emailed to a guest: a page that asks them to confirm (GET), and the confirmation (POST).

    Confirming takes a click, not just the opening: mail scanners open the links in an email too.
    """
    check = selectors.email_check_from_link(token)
    if check is None:
        raise Http404("This link has expired. Write to us again from any page.")
    conversation = check.conversation
    if request.method == "POST":
        services.conversation_email_confirm(conversation=conversation, email=check.email)
        session_remember(request.session, conversation, guest=customer_of(request) is None)
        messages.success(request, "Thank you: your email address is confirmed.")
        return redirect("support:help")
    first = conversation.messages.filter(from_staff=False).order_by("pk").first()
    context = {"conversation": conversation, "email": check.email, "first_message": first}
    return render(request, "support/email_check.html", context)


@require_POST
def help_order(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """ "Ask about this order": the widget opens on the conversation about it (started if need be)."""
    order = order_for_request(request, number, token=request.POST.get("k"))
    customer = customer_of(request)
    if customer is not None and order.user_id != customer.pk:
        raise Http404("No such order.")  # staff may view any order, but ask only about their own
    if request.session.session_key is None:
        request.session.save()
    conversation = (
        selectors.guest_open_conversation(session_conversations=session_conversations(request.session), order=order)
        if customer is None
        else None
    )
    if conversation is None:
        conversation = services.conversation_for_customer(
            customer=customer, guest_email=order.email, session_key=request.session.session_key or "", order=order
        )
    session_remember(request.session, conversation, guest=customer is None)
    if not request.htmx:
        return redirect("support:help")
    response = render(request, "support/_widget.html", _widget_context(request, conversation, refresh=True))
    response.headers["HX-Trigger"] = "support:opened"
    return response


# --- Staff ------------------------------------------------------------------------------------


@agent_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    view = request.GET.get("view", "open")
    if view not in selectors.INBOX_FILTERS:
        view = "open"
    assert isinstance(request.user, User)  # noqa: S101 - agent_required guarantees it
    page_topics_off(request)
    follow(request, "support.inbox")
    context = {
        "rows": selectors.inbox(agent=request.user, view=view),
        "view": view,
        "filters": [(key, label) for key, (label, _q) in selectors.INBOX_FILTERS.items()],
        **_agents_context(),
    }
    return render(request, "support/inbox.html", context)


def _thread_context(request: HtmxHttpRequest, conversation: Conversation, **extra: Any) -> dict[str, Any]:
    return {
        "conversation": conversation,
        "canned": list(CannedReply.objects.all()),
        "max_length": BODY_MAX_LENGTH,
        "client_key": services.client_key_new(),
        **extra,
    }


@agent_required
@require_GET
def conversation_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The thread and the customer beside it. Opening it marks nothing read: the page does, when the
    thread is on screen (`conversation_seen`)."""
    conversation = get_object_or_404(Conversation.objects.select_related("customer", "assignee", "order"), pk=pk)
    context = selectors.customer_context(conversation)
    page_topics_off(request)
    follow(request, conversation.staff_topic, "support.inbox")
    if context.cart is not None:
        follow(request, f"cart.{context.cart.pk}")
    return render(
        request,
        "support/conversation.html",
        _thread_context(
            request,
            conversation,
            thread_messages=selectors.thread(conversation),
            context=context,
            cart_summary=cart_summary(context.cart),
            **_agents_context(),
        ),
    )


MESSAGE_PK = re.compile(r"[0-9]{1,18}")


@agent_required
@require_POST
def conversation_seen(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The agent's page had the thread on screen up to message `up_to`: read for the team that far."""
    conversation = get_object_or_404(Conversation.objects.only("pk"), pk=pk)
    assert isinstance(request.user, User)  # noqa: S101 - agent_required guarantees it
    up_to = request.POST.get("up_to", "")
    if not MESSAGE_PK.fullmatch(up_to):
        return HttpResponse("up_to: the last message the page shows, by number.", status=422, content_type="text/plain")
    services.mark_read(conversation_pk=conversation.pk, reader=request.user, staff=True, up_to=int(up_to))
    return HttpResponse(status=204)


@agent_required
@require_POST
def conversation_reply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation, pk=pk)
    assert isinstance(request.user, User)  # noqa: S101 - agent_required guarantees it
    body = request.POST.get("body", "")
    try:
        services.body_clean(body)
        client_key = services.client_key_clean(request.POST.get("client_key", ""))
        earlier = services.message_sent_before(
            client_key=client_key, author=request.user, from_staff=True, conversation=conversation
        )
        if earlier is None:  # else: the same form again, already stored
            limits.rate_check(limits.rate_key(request.user, None))
            services.message_post(
                conversation=conversation, author=request.user, from_staff=True, body=body, client_key=client_key
            )
    except SupportError as exc:
        context = _thread_context(request, conversation, body=body)
        return error_response(request, "support/_reply_form.html", context, exc)
    if not request.htmx:
        return redirect("support:conversation", pk=pk)
    conversation.refresh_from_db()
    # A fresh form, and the thread as it is now (the push may arrive before or after this answer).
    return render(
        request,
        "support/_reply_form.html",
        _thread_context(request, conversation, thread_messages=selectors.thread(conversation), thread_oob=True),
    )


ACTIONS = {"assign_me", "unassign", "close", "reopen"}


@agent_required
@require_POST
def conversation_action(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    conversation = get_object_or_404(Conversation, pk=pk)
    assert isinstance(request.user, User)  # noqa: S101 - agent_required guarantees it
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponse("Unknown action.", status=422, content_type="text/plain")
    if action == "assign_me":
        conversation = services.conversation_assign(conversation=conversation, assignee=request.user)
    elif action == "unassign":
        conversation = services.conversation_assign(conversation=conversation, assignee=None)
    else:
        status = Conversation.Status.CLOSED if action == "close" else Conversation.Status.OPEN
        conversation = services.conversation_set_status(conversation=conversation, status=status)
    if not request.htmx:
        return redirect("support:conversation", pk=pk)
    conversation = Conversation.objects.select_related("assignee").get(pk=pk)
    return render(request, "support/_meta.html", {"conversation": conversation})

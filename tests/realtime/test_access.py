"""Who may follow what, checked again: at every re-sign (/live/extend/) and at every socket connect.

A token stays valid for hours; roles, carts, conversations and orders change meanwhile.
"""

import html as htmllib
import json
import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.core import signing
from django.test import Client
from django.urls import reverse

from commerce.cart.live import owner_topic
from commerce.orders.selectors import order_access_url
from commerce.support import services as support_services
from project.asgi import application
from realtime import topics
from realtime.broadcast import publish
from tests.factories import OrderFactory, UserFactory, VariantFactory

ORIGIN = (b"origin", b"http://127.0.0.1")


def staff_in(role: str, **fields: object):  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def token_topics(token: object) -> list[str]:
    return list(signing.loads(str(token), salt=topics.SALT)["t"])


def page_token(response) -> str:  # type: ignore[no-untyped-def]
    """The token in the page's rendered `ws-connect` URL, as the browser reads it."""
    found = re.search(r'ws-connect="/ws/live/\?t=([^"]+)"', response.content.decode())
    assert found, "the page connects no live socket"
    return htmllib.unescape(found[1])


def resign(client: Client, token: str) -> dict[str, object]:
    response = client.get("/live/extend/", {"t": token})
    assert response.status_code == 200
    return dict(response.json())


# --- Re-signing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_resign_after_the_support_role_is_removed_drops_the_inbox_and_the_conversation():
    agent = staff_in("support", email="alex@example.com")
    customer = UserFactory(email="sam@example.com")
    conversation = support_services.conversation_for_customer(customer=customer)
    client = Client()
    client.force_login(agent)
    token = page_token(client.get(reverse("support:conversation", args=[conversation.pk])))
    assert token_topics(token) == [f"conversation_staff.{conversation.pk}", "support.inbox"]
    kept = resign(client, token)
    assert token_topics(kept["token"]) == [f"conversation_staff.{conversation.pk}", "support.inbox", f"user.{agent.pk}"]

    agent.groups.clear()
    answer = resign(client, token)

    assert token_topics(answer["token"]) == [f"user.{agent.pk}"]
    assert answer["changed"] is True  # the page reconnects with the smaller list


@pytest.mark.django_db
def test_resign_after_the_ops_role_is_removed_drops_the_dashboard():
    olga = staff_in("ops")
    client = Client()
    client.force_login(olga)
    token = page_token(client.get("/ops/"))
    assert token_topics(token) == ["ops.dashboard"]

    olga.groups.remove(Group.objects.get(name="ops"))

    assert token_topics(resign(client, token)["token"]) == [f"user.{olga.pk}"]


@pytest.mark.django_db
def test_a_guest_who_opened_an_order_link_keeps_it_and_loses_what_their_session_no_longer_holds():
    order = OrderFactory(email="guest@example.com")
    variant = VariantFactory(stock=3)
    client = Client()
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    client.post(reverse("support:post"), {"body": "Where is my parcel?", "email": "guest@example.com"})
    cart_pk = client.session["cart_pk"]
    conversation_pk = client.session["support_conversations"][-1]
    visitor = owner_topic(user_pk=None, session_key=client.session.session_key)
    token = page_token(client.get(order_access_url(order)))  # the signed link from the email
    assert order.number in client.session["order_numbers"]  # the session remembers what the link proved
    everything = sorted([f"order.{order.pk}", f"cart.{cart_pk}", f"conversation.{conversation_pk}", str(visitor)])
    assert token_topics(token) == everything
    assert token_topics(resign(client, token)["token"]) == everything  # all still this guest's

    session = client.session
    for key in ("cart_pk", "support_conversations", "support_current", "order_numbers"):
        del session[key]
    session.save()
    answer = resign(client, token)

    assert token_topics(answer["token"]) == [visitor]
    assert answer["changed"] is True


# --- Tokens --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_guest_pages_token_holds_no_session_key(client):
    variant = VariantFactory(stock=4)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    token = page_token(client.get(variant.product.get_absolute_url()))
    session_key = client.session.session_key
    assert session_key

    payload = signing.loads(token, salt=topics.SALT)

    assert session_key not in json.dumps(payload)
    assert session_key not in token
    assert payload["b"] == topics.binding_for(user_pk=None, session_key=session_key)
    assert f"cart.{client.session['cart_pk']}" in payload["t"]  # bound: it names the guest's own cart


# --- Sockets -------------------------------------------------------------------------------------


@sync_to_async
def signed_in_session(user) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


@sync_to_async
def guest_session_with_cart() -> tuple[str, int]:
    client = Client()
    client.post(reverse("cart:add"), {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    return str(client.session.session_key), int(client.session["cart_pk"])


def communicator(names: list[str], *, binding: str, session_key: str | None) -> WebsocketCommunicator:
    token = signing.dumps({"t": names, "b": binding}, salt=topics.SALT, compress=True)
    headers = [ORIGIN, (b"host", b"127.0.0.1")]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, f"/ws/live/?t={token}", headers=headers)


async def drain(comm: WebsocketCommunicator) -> list[str]:
    received = []
    while not await comm.receive_nothing(timeout=0.3):
        received.append(await comm.receive_from(timeout=1))
    return received


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_joins_only_the_topics_its_viewer_may_still_follow():
    agent = await sync_to_async(staff_in)("support", first_name="Alex")
    session_key = await signed_in_session(agent)
    comm = communicator(
        ["support.inbox", f"user.{agent.pk}"], binding=f"u:{agent.pk}", session_key=session_key
    )  # a page the agent opened while in the role: its URL is valid for hours
    await sync_to_async(agent.groups.clear)()

    connected, _ = await comm.connect(timeout=5)
    assert connected
    assert await drain(comm) == []  # no inbox snapshot (agents online)
    await sync_to_async(publish)("support.inbox", "<p id='row'>new conversation</p>")
    await sync_to_async(publish)(f"user.{agent.pk}", "<p id='mine'>yours</p>")

    assert await drain(comm) == ["<p id='mine'>yours</p>"]
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_socket_whose_every_topic_was_withdrawn_is_refused():
    agent = await sync_to_async(staff_in)("support")
    session_key = await signed_in_session(agent)
    comm = communicator(["support.inbox"], binding=f"u:{agent.pk}", session_key=session_key)
    await sync_to_async(agent.groups.clear)()

    connected, code = await comm.connect(timeout=5)

    assert (connected, code) == (False, 4403)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_guest_socket_does_not_join_a_cart_its_session_no_longer_holds():
    session_key, cart_pk = await guest_session_with_cart()
    visitor = str(owner_topic(user_pk=None, session_key=session_key))
    binding = topics.binding_for(user_pk=None, session_key=session_key)
    other_key, other_cart = await guest_session_with_cart()
    # A token naming another guest's cart, signed for this session (as if the cart had been this guest's).
    comm = communicator([f"cart.{other_cart}", f"cart.{cart_pk}", visitor], binding=binding, session_key=session_key)

    connected, _ = await comm.connect(timeout=5)
    assert connected
    snapshot = "".join(await drain(comm))
    assert 'id="cart-count"' in snapshot
    await sync_to_async(publish)(f"cart.{other_cart}", "<p>theirs</p>")
    await sync_to_async(publish)(f"cart.{cart_pk}", "<p>mine</p>")

    assert await drain(comm) == ["<p>mine</p>"]
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_token_of_public_topics_only_is_valid_for_anyone():
    variant = await sync_to_async(VariantFactory)(stock=6)
    comm = communicator([f"stock.{variant.pk}"], binding=topics.PUBLIC_BINDING, session_key=None)

    connected, _ = await comm.connect(timeout=5)

    assert connected
    assert 'data-stock="6"' in await comm.receive_from(timeout=5)
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_public_binding_does_not_open_private_topics():
    session_key, cart_pk = await guest_session_with_cart()
    variant = await sync_to_async(VariantFactory)(stock=6)
    comm = communicator(
        [f"stock.{variant.pk}", f"cart.{cart_pk}"], binding=topics.PUBLIC_BINDING, session_key=session_key
    )

    connected, code = await comm.connect(timeout=5)

    assert (connected, code) == (False, 4403)

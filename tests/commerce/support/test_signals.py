"""Typing, "seen" and presence over the real live socket (ASGI stack, sessions, Redis layer)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import signing
from django.test import Client

from commerce.support import services
from commerce.support.models import Conversation
from project.asgi import application
from realtime import topics
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@sync_to_async
def session_of(user) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


async def socket(user, names: list[str]) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    key = await session_of(user)
    binding = topics.binding_for(user_pk=user.pk, session_key=None)
    token = signing.dumps({"t": names, "b": binding}, salt=topics.SALT, compress=True)
    comm = WebsocketCommunicator(
        application,
        f"/ws/live/?t={token}",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", f"sessionid={key}".encode())],
    )
    connected, _ = await comm.connect(timeout=5)
    assert connected
    return comm


async def drain(comm: WebsocketCommunicator) -> list[str]:
    """Everything the socket has been sent so far (snapshots included)."""
    received = []
    while not await comm.receive_nothing(timeout=0.3):
        received.append(await comm.receive_from(timeout=1))
    return received


async def send(comm: WebsocketCommunicator, **message: str) -> None:
    await comm.send_to(text_data=json.dumps(message))


@pytest.fixture
async def people(agent):  # type: ignore[no-untyped-def]
    sam = await sync_to_async(UserFactory)(email="sam@example.com")
    conversation = await sync_to_async(services.conversation_for_customer)(customer=sam)
    await sync_to_async(services.message_post)(conversation=conversation, author=sam, from_staff=False, body="Hi")
    return sam, agent, conversation


async def test_the_customer_typing_shows_on_the_agents_thread_once_per_moment(people):
    sam, agent, conversation = people
    topic = conversation.topic
    customer, staff = await socket(sam, [topic]), await socket(agent, [conversation.staff_topic, "support.inbox"])
    await drain(customer)
    await drain(staff)

    await send(customer, type="typing", topic=topic)
    await send(customer, type="typing", topic=topic)  # again at once: throttled

    pushed = await drain(staff)
    assert len(pushed) == 1
    assert f'id="typing-customer-{conversation.pk}"' in pushed[0]
    assert "The customer is typing" in pushed[0]
    await customer.disconnect()
    await staff.disconnect()


async def test_a_socket_cannot_signal_about_a_conversation_it_was_not_given(people):
    sam, agent, conversation = people
    mallory = await sync_to_async(UserFactory)()
    staff = await socket(agent, [conversation.staff_topic])
    intruder = await socket(mallory, [f"user.{mallory.pk}"])
    await drain(staff)

    for topic in (conversation.topic, conversation.staff_topic):
        await send(intruder, type="typing", topic=topic)
        await send(intruder, type="seen", topic=topic)

    assert await drain(staff) == []
    assert (await sync_to_async(Conversation.objects.get)(pk=conversation.pk)).staff_read_id == 0
    await staff.disconnect()
    await intruder.disconnect()


async def test_seen_marks_move_the_read_state_and_show_on_the_other_side(people):
    sam, agent, conversation = people
    await sync_to_async(services.message_post)(conversation=conversation, author=agent, from_staff=True, body="Hello")
    customer, staff = await socket(sam, [conversation.topic]), await socket(agent, [conversation.staff_topic])
    other_tab = await socket(sam, [conversation.topic])
    snapshot = "".join(await drain(customer))
    assert 'id="support-unread"' in snapshot
    assert 'data-count="1"' in snapshot
    await drain(staff)
    await drain(other_tab)

    await send(customer, type="seen", topic=conversation.topic)

    assert "Seen by the customer" in "".join(await drain(staff))
    assert 'data-count="0"' in "".join(await drain(other_tab))  # the customer's other tabs clear their badge
    refreshed = await sync_to_async(Conversation.objects.get)(pk=conversation.pk)
    assert refreshed.customer_read_id == refreshed.last_message_id
    for comm in (customer, staff, other_tab):
        await comm.disconnect()


async def test_a_customers_socket_gets_no_staff_markup_while_an_agent_replies_assigns_and_closes(people):
    sam, agent, conversation = people
    staff_topic = f"conversation_staff.{conversation.pk}"
    customer, staff = await socket(sam, [f"conversation.{conversation.pk}"]), await socket(agent, [staff_topic])
    frames = await drain(customer)  # the snapshot too
    await drain(staff)

    await sync_to_async(services.message_post)(conversation=conversation, author=agent, from_staff=True, body="On it")
    await sync_to_async(services.conversation_assign)(conversation=conversation, assignee=None)
    await sync_to_async(services.conversation_assign)(conversation=conversation, assignee=agent)
    await sync_to_async(services.conversation_set_status)(conversation=conversation, status="closed")
    await send(staff, type="typing", topic=staff_topic)
    frames += await drain(customer)

    seen = "".join(frames)
    for staff_only in ("/support/", 'name="action"', "Assign to me", "Unassign", "Close", "alex@example.com"):
        assert staff_only not in seen
    assert "On it" in seen
    assert "Alex from support" in seen  # the agent's first name, as the widget shows it
    assert "Support is typing" in seen
    on_thread = "".join(await drain(staff))
    assert 'value="assign_me"' in on_thread  # the agent's page still gets its controls
    assert "Assigned to Alex" in on_thread
    for comm in (customer, staff):
        await comm.disconnect()


async def test_an_agents_seen_mark_comes_from_the_staff_topic_only(people):
    sam, agent, conversation = people
    staff = await socket(agent, [conversation.staff_topic, conversation.topic])
    await drain(staff)

    await send(staff, type="seen", topic=conversation.topic)  # as a customer would: not the team's mark
    assert (await sync_to_async(Conversation.objects.get)(pk=conversation.pk)).staff_read_id == 0
    await send(staff, type="seen", topic=conversation.staff_topic)
    await drain(staff)

    refreshed = await sync_to_async(Conversation.objects.get)(pk=conversation.pk)
    assert refreshed.staff_read_id == refreshed.last_message_id
    await staff.disconnect()


async def test_agents_online_are_announced_to_the_inbox_and_customers_cannot_pose_as_agents(people):
    sam, agent, _conversation = people
    other_agent = await sync_to_async(UserFactory)(is_staff=True, is_superuser=True, first_name="Bea")
    watcher = await socket(other_agent, ["support.inbox"])
    customer = await socket(sam, [f"user.{sam.pk}"])
    staff = await socket(agent, ["support.inbox"])
    assert "No agents online" in "".join(await drain(watcher))

    await send(customer, type="presence")
    assert await drain(watcher) == []

    await send(staff, type="presence")
    pushed = "".join(await drain(watcher))
    assert 'id="agents-online"' in pushed
    assert "Online: Alex" in pushed
    for comm in (watcher, customer, staff):
        await comm.disconnect()

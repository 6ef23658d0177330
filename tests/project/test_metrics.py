"""/metrics: what it counts moves when the store does, and only the right callers may read it."""

import urllib.request

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from commerce.orders import services as order_services
from project.asgi import application
from project.celery import app
from project.task_metrics import start_worker_exporter
from realtime import topics
from realtime.broadcast import publish
from tests.factories import ADDRESS, CartFactory, CartLineFactory, UserFactory, VariantFactory


class Scrape:
    """One reading of /metrics in the Prometheus text format."""

    def __init__(self, text: str) -> None:
        self.samples = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self.samples

    def __call__(self, name: str, **labels: str) -> float:
        """The sample's value; 0 for a labelled series not seen yet."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)


def scrape(client: Client) -> Scrape:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return Scrape(response.content.decode())


@pytest.mark.django_db
def test_a_request_is_timed_by_route_pattern_and_status(client):
    count = "storefront_http_request_duration_seconds_count"
    health = {"method": "GET", "route": "/healthz", "status": "200"}
    product = {"method": "GET", "route": "/products/<slug:slug>/", "status": "404"}
    before = scrape(client)

    client.get("/healthz")
    client.get("/healthz")
    client.get("/products/no-such-thing/")
    client.get("/products/nor-this-one/")
    client.get("/")
    client.get("/no/such/page/")

    after = scrape(client)
    assert after(count, **health) == before(count, **health) + 2
    # One series per URL pattern, whatever the slug.
    assert after(count, **product) == before(count, **product) + 2
    home = {"method": "GET", "route": "/", "status": "200"}
    assert after(count, **home) == before(count, **home) + 1
    unresolved = {"method": "GET", "route": "<unresolved>", "status": "404"}
    assert after(count, **unresolved) == before(count, **unresolved) + 1


@pytest.mark.django_db
def test_an_order_status_change_shows_in_orders_by_status(client, django_capture_on_commit_callbacks):
    before = scrape(client)
    user = UserFactory(email="metrics@example.com")
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, variant=VariantFactory(price="10.00", stock=3), quantity=1)

    order = order_services.checkout_start(cart=cart, user=user, email=user.email, address=ADDRESS)
    middle = scrape(client)
    with django_capture_on_commit_callbacks(execute=False):  # the outbox row stays pending
        order_services.order_mark_paid(order=order, amount_minor=order.total_minor, currency="usd", reference="pi_m")
    after = scrape(client)

    assert (
        middle("storefront_orders", status="pending_payment")
        == before("storefront_orders", status="pending_payment") + 1
    )
    assert after("storefront_orders", status="pending_payment") == before("storefront_orders", status="pending_payment")
    assert after("storefront_orders", status="paid") == before("storefront_orders", status="paid") + 1
    assert (
        after("storefront_notifications", status="pending") == before("storefront_notifications", status="pending") + 1
    )
    # Every status is there, at 0 when no order has it.
    assert after("storefront_orders", status="refunded") == 0
    assert after("storefront_notifications", status="suppressed") == 0


@pytest.mark.django_db
def test_a_broadcast_counts_as_published_and_is_timed(client):
    before = scrape(client)

    assert publish("stock.1", "<span id='stock-1'>3</span>") is True

    after = scrape(client)
    published = before("storefront_broadcasts_total", outcome="published")
    assert after("storefront_broadcasts_total", outcome="published") == published + 1
    assert after("storefront_broadcasts_total", outcome="failed") == before(
        "storefront_broadcasts_total", outcome="failed"
    )
    timed = before("storefront_broadcast_publish_seconds_count")
    assert after("storefront_broadcast_publish_seconds_count") == timed + 1


@pytest.mark.django_db
def test_a_broadcast_lost_to_a_dead_redis_counts_as_failed(client, settings):
    before = scrape(client)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    assert publish("stock.1", "<span></span>") is False

    after = scrape(client)
    assert (
        after("storefront_broadcasts_total", outcome="failed")
        == before("storefront_broadcasts_total", outcome="failed") + 1
    )


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_raises_the_gauge_until_it_closes():
    store = SessionStore()
    await sync_to_async(store.create)()
    variant = await sync_to_async(VariantFactory)(stock=4)
    token = signing.dumps(
        {"t": [f"stock.{variant.pk}"], "b": f"s:{store.session_key}"}, salt=topics.SALT, compress=True
    )
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={store.session_key}".encode()),
    ]
    client = Client()
    before = (await database_sync_to_async(scrape)(client))("storefront_live_sockets")

    comm = WebsocketCommunicator(application, f"/ws/live/?t={token}", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    fanouts = "storefront_broadcast_fanout_seconds_count"
    try:
        await comm.receive_from(timeout=5)  # the snapshot
        middle = await database_sync_to_async(scrape)(client)
        await sync_to_async(publish)(f"stock.{variant.pk}", "<span>pushed</span>")
        assert await comm.receive_from(timeout=5) == "<span>pushed</span>"
        pushed = await database_sync_to_async(scrape)(client)
    finally:
        await comm.disconnect()
    after = (await database_sync_to_async(scrape)(client))("storefront_live_sockets")

    assert middle("storefront_live_sockets") == before + 1
    assert pushed(fanouts) == middle(fanouts) + 1  # this process's hub handed one fragment out
    assert after == before


@pytest.mark.django_db(transaction=True)
async def test_a_refused_socket_is_not_counted():
    client = Client()
    before = (await database_sync_to_async(scrape)(client))("storefront_live_sockets")
    comm = WebsocketCommunicator(
        application, "/ws/live/?t=forged", headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    )

    connected, _ = await comm.connect(timeout=5)
    await comm.disconnect()

    assert not connected
    assert (await database_sync_to_async(scrape)(client))("storefront_live_sockets") == before


@app.task(name="tests.metrics.fine")
def fine() -> str:
    return "ok"


@app.task(name="tests.metrics.broken")
def broken() -> None:
    raise ValueError("broken on purpose")


@pytest.mark.django_db
def test_task_outcomes_are_counted_where_the_task_runs(client):
    before = scrape(client)

    fine.delay()
    broken.apply(throw=False)  # as a worker runs it: the failure is recorded, not raised

    after = scrape(client)
    tasks = "storefront_celery_tasks_total"
    fine_ok = {"task": "tests.metrics.fine", "outcome": "success"}
    broken_failed = {"task": "tests.metrics.broken", "outcome": "failure"}
    assert after(tasks, **fine_ok) == before(tasks, **fine_ok) + 1
    assert after(tasks, **broken_failed) == before(tasks, **broken_failed) + 1


def test_the_worker_exporter_serves_task_outcomes(unused_tcp_port):
    fine.delay()
    server, thread = start_worker_exporter(unused_tcp_port, "127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{unused_tcp_port}/metrics", timeout=5) as response:  # noqa: S310
            served = Scrape(response.read().decode())
    finally:
        server.shutdown()
        thread.join(timeout=5)

    assert served("storefront_celery_tasks_total", task="tests.metrics.fine", outcome="success") >= 1
    # The worker exporter has no database gauges: those come from the web processes.
    assert not served.has("storefront_orders", status="paid")


# --- Who may read /metrics ----------------------------------------------------------


@pytest.mark.django_db
def test_open_to_loopback_when_no_token_is_set(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


@pytest.mark.django_db
def test_a_proxied_request_is_never_trusted_by_its_address(client, settings):
    settings.METRICS_TOKEN = ""

    # Behind a proxy, REMOTE_ADDR is what X-Forwarded-For said: a client could claim loopback.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 403


@pytest.mark.django_db
def test_more_networks_can_be_allowed(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@pytest.mark.django_db
def test_a_token_is_required_from_anywhere_once_set(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"

    missing = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    right = client.get("/metrics", REMOTE_ADDR="10.9.9.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")

    assert (missing.status_code, missing["WWW-Authenticate"]) == (401, 'Bearer realm="metrics"')
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert b"storefront_orders" in right.content


@pytest.mark.django_db
def test_metrics_only_answer_get(client):
    assert client.post("/metrics").status_code == 405

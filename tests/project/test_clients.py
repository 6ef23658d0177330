"""The client's address for limits per address: the peer, or what our own proxy wrote."""

from django.test import RequestFactory

from project.clients import client_address, scope_client_address


def test_without_a_proxy_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == "203.0.113.7"
    scope = {"client": ["203.0.113.7", 5000], "headers": [(b"x-forwarded-for", b"198.51.100.1")]}
    assert scope_client_address(scope) == "203.0.113.7"


def test_behind_one_proxy_the_entry_it_appended_counts_not_what_the_client_wrote(settings):
    settings.BEHIND_PROXY, settings.PROXY_HOPS = True, 1
    # The client wrote "1.1.1.1" itself; the ingress appended the address it saw.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"
    scope = {"client": ["10.0.0.2", 5000], "headers": [(b"x-forwarded-for", b"1.1.1.1, 203.0.113.7")]}
    assert scope_client_address(scope) == "203.0.113.7"


def test_behind_two_proxies_the_outer_ones_entry_counts(settings):
    settings.BEHIND_PROXY, settings.PROXY_HOPS = True, 2
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7, 10.0.0.9")
    assert client_address(request) == "203.0.113.7"


def test_behind_a_proxy_without_the_header_the_peer_is_used(settings):
    settings.BEHIND_PROXY = True
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    assert scope_client_address({"client": None, "headers": []}) == "unknown"

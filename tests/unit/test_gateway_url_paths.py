"""An HTTP integration's `{x}` values encoded into the backend URL (gateway/integrations.py `url_path_value`)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from harness.emulator.gateway.integrations import url_path_value


def test_text_values_are_encoded_and_path_values_keep_their_escapes():
    assert url_path_value("a b?c#d%e/é", "method.request.querystring.id") == "a%20b%3Fc%23d%25e/%C3%A9"
    assert url_path_value("a%20b", "method.request.header.x") == "a%2520b"  # text: its % is a character
    assert url_path_value("a%20b%3F", "method.request.path.id") == "a%20b%3F"  # as the client sent it
    assert url_path_value("x:y@z!$&'()*+,;=", "'literal'") == "x:y@z!$&'()*+,;="  # RFC 3986 pchar stays


@given(st.text(), st.sampled_from(["method.request.querystring.q", "method.request.path.p", "", "stageVariables.s"]))
def test_nothing_that_ends_a_path_gets_through(value, source):
    encoded = url_path_value(value, source)
    assert not set(encoded) & set("?# \\\"<>^`{|}") and encoded.isascii()

"""A failed invoke step that got an AWS error shows that error's document, not "(empty body)"."""
from __future__ import annotations

from harness.replay.report import format_response
from harness.replay.results import Response


def test_invoke_error_document_is_shown():
    error = {"Error": {"Code": "ResourceNotFoundException", "Message": "Function not found: arn:aws:lambda:x"}}
    lines = format_response(Response(status=404, data=error, error="ResourceNotFoundException"), "invoke")
    text = "\n".join(lines)
    assert "status 404" in text
    assert "Function not found: arn:aws:lambda:x" in text and "(empty body)" not in text


def test_http_body_is_shown_as_sent():
    lines = format_response(Response(status=200, content=b'{"Count": 0}'), "http")
    assert any('"Count": 0' in line for line in lines)

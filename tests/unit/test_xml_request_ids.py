"""moto's request id goes into XML answers only, one `<RequestId>` element at a time (a JSON answer quoting XML,
such as FilterLogEvents over an execution log, keeps every event)."""
from __future__ import annotations

import json

from harness.emulator.control.moto_changes.xml_request_ids import _enrich_response


def test_a_json_answer_that_quotes_xml_is_left_whole() -> None:
    events = [{"message": f"body {i}: <R><RequestId>old-{i}</RequestId></R>"} for i in range(3)]
    body = json.dumps({"events": events})
    _, answered = _enrich_response({}, body)
    assert json.loads(answered) == {"events": events}


def test_each_request_id_element_of_an_xml_answer_is_rewritten() -> None:
    headers, answered = _enrich_response({"status": 200}, "<A><RequestId>a</RequestId><RequestId>b</RequestId></A>")
    assert headers["status"] == "200"
    ids = answered.replace("<A>", "").replace("</A>", "").split("</RequestId>")[:2]
    assert all(len(i.replace("<RequestId>", "")) == 52 for i in ids)

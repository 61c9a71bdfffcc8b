"""API keys on the gateway: a method with apiKeyRequired takes only an enabled key (x-api-key) that a usage plan
of the stage holds; everything else is 403 Forbidden before the function runs."""
from __future__ import annotations

import uuid

import pytest
import requests

from .apikit import Kit, execution_log, json_body

pytestmark = pytest.mark.functional
FORBIDDEN = b'{"message": "Forbidden"}'


@pytest.fixture(scope="module")
def keyed(clients):
    kit = Kit(clients, "ak")
    apigw = clients("apigateway")
    plans: list[str] = []
    keys: list[str] = []
    try:
        fn = kit.function("probe", "gateway_probe")
        api_id, root = kit.api("keys")
        for part, required in (("keyed", True), ("open", False)):
            resource = kit.resource(api_id, root, part)
            apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET", authorizationType="NONE",
                             apiKeyRequired=required)
            apigw.put_integration(
                restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                uri=f"arn:aws:apigateway:{kit.region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations")
        kit.permit(fn, api_id)
        kit.deploy(api_id, "prod")
        kit.deploy(api_id, "beta")

        def key(name: str, enabled: bool = True) -> dict:
            made = apigw.create_api_key(name=f"{kit.prefix}{name}", enabled=enabled,
                                        value=f"{name}-{uuid.uuid4().hex}")
            keys.append(made["id"])
            return made

        good, disabled, planless, beta_only = key("good"), key("off", enabled=False), key("none"), key("beta")
        prod_plan = apigw.create_usage_plan(name=f"{kit.prefix}prod", apiStages=[{"apiId": api_id, "stage": "prod"}])
        beta_plan = apigw.create_usage_plan(name=f"{kit.prefix}beta", apiStages=[{"apiId": api_id, "stage": "beta"}])
        plans += [prod_plan["id"], beta_plan["id"]]
        for made in (good, disabled):
            apigw.create_usage_plan_key(usagePlanId=prod_plan["id"], keyId=made["id"], keyType="API_KEY")
        apigw.create_usage_plan_key(usagePlanId=beta_plan["id"], keyId=beta_only["id"], keyType="API_KEY")
        throttled, counted = key("throttled"), key("counted")
        slow_plan = apigw.create_usage_plan(name=f"{kit.prefix}slow", apiStages=[{"apiId": api_id, "stage": "prod"}],
                                            throttle={"rateLimit": 0.001, "burstLimit": 2})
        small_plan = apigw.create_usage_plan(name=f"{kit.prefix}small",
                                             apiStages=[{"apiId": api_id, "stage": "prod"}],
                                             quota={"limit": 2, "period": "DAY"})
        plans += [slow_plan["id"], small_plan["id"]]
        apigw.create_usage_plan_key(usagePlanId=slow_plan["id"], keyId=throttled["id"], keyType="API_KEY")
        apigw.create_usage_plan_key(usagePlanId=small_plan["id"], keyId=counted["id"], keyType="API_KEY")
        yield {"kit": kit, "api": api_id, "good": good, "disabled": disabled, "planless": planless,
               "beta": beta_only, "throttled": throttled, "counted": counted, "http": requests.Session()}
    finally:
        for plan in plans:
            apigw.delete_usage_plan(usagePlanId=plan)
        for made in keys:
            apigw.delete_api_key(apiKey=made)
        kit.teardown()


def get(keyed, path: str, key: str | None = None, stage: str = "prod", header: str = "x-api-key"):
    headers = {header: key} if key is not None else {}
    return keyed["http"].get(keyed["kit"].url(keyed["api"], stage, path), headers=headers, timeout=30)


def test_a_method_without_the_requirement_needs_no_key(keyed):
    assert get(keyed, "open").status_code == 200


@pytest.mark.parametrize("which", [None, "wrong", "disabled", "planless", "beta"])
def test_no_key_or_a_key_that_does_not_open_this_stage_is_403(keyed, which):
    value = None if which is None else "not-a-key-value-at-all" if which == "wrong" else keyed[which]["value"]
    response = get(keyed, "keyed", value)
    assert (response.status_code, response.content) == (403, FORBIDDEN)
    assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_a_key_in_the_stages_usage_plan_reaches_the_function(keyed):
    good = keyed["good"]
    response = get(keyed, "keyed", good["value"], header="X-API-Key")
    assert response.status_code == 200, response.text
    identity = json_body(response)["requestContext"]["identity"]
    assert (identity["apiKey"], identity["apiKeyId"]) == (good["value"], good["id"])
    lines = execution_log(keyed["kit"].clients, keyed["api"], "prod", response.headers["x-amzn-RequestId"])
    masked = "*" * (len(good["value"]) - 4) + good["value"][-4:]
    assert f"Usage Plan check succeeded for API Key {masked} and API Stage {keyed['api']}/prod" in lines, lines
    assert not any("does not require API Key" in line for line in lines)
    # the same key on the stage whose plan does not hold it
    assert get(keyed, "keyed", good["value"], stage="beta").status_code == 403
    assert get(keyed, "keyed", keyed["beta"]["value"], stage="beta").status_code == 200


@pytest.mark.parametrize("which, message", [("throttled", b"Too Many Requests"), ("counted", b"Limit Exceeded")])
def test_a_usage_plans_throttle_and_quota_apply_to_its_keys(keyed, which, message):
    value = keyed[which]["value"]
    assert [get(keyed, "keyed", value).status_code for _ in range(2)] == [200, 200]
    refused = get(keyed, "keyed", value)
    assert (refused.status_code, refused.content) == (429, b'{"message": "' + message + b'"}')
    assert get(keyed, "keyed", keyed["good"]["value"]).status_code == 200  # another key, another plan: unaffected

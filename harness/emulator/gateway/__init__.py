"""API Gateway REST (v1) data plane for AWS_PROXY Lambda integrations, as a chain of small steps.

Public API: `parse.ExecuteApiTarget`, `parse.execute_api_target` (is this an execute-api request?) and
`chain.Gateway` (`answer` a request; `chain.to_response` makes it a werkzeug response; `test_invoke` for
TestInvokeMethod). `context.InvocationContext` documents the state the steps share; `gateway_responses` the
gateway's errors. Nothing here imports moto.
"""

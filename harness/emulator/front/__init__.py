"""The stack's front: its one WSGI application, an ordered chain of handlers over one `Exchange` per request.

    exchange.py       `Exchange` (one request and its answer), `Answer`, the `Handler` signature, protocols
    handler_chain.py  `HandlerChain`: request handlers until one answers, then response handlers; one catch-all
    failures.py       the one place a failure becomes an HTTP answer, in the shape of the service asked
    handlers.py       the front's own handlers (health and reset, execute-api, Lambda Invoke, TestInvokeMethod...)
    model_validation.py  `ModelValidation`: Lambda, API Gateway, Logs, Cognito, IAM, STS and CloudFormation calls
                      checked against botocore's models (DynamoDB's too, called by the DynamoDB front)
    shape_checks.py   botocore shapes compiled into checks worded as AWS words them
    query_input.py    a query-protocol request's flat parameters read back into its input's shape
    request_path.py   the order (DynamoDB's hot path, the corrections around moto and moto come from control/)

Nothing is imported here, so control/ may use the exchange's types without an import cycle.
"""

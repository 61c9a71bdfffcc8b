"""Everything the emulator changes about moto, one module per concern (a moto upgrade is checked here first).

    lazy_imports.py            moto's API Gateway models load without their OpenAPI validator until it is needed
    speedups.py                moto's per-request costs cut, with the same answers
    no_docker.py               moto's lazy Docker client never made (data.json with functions and no Docker engine)
    weak_instances.py          moto's list of every model instance ever made, held weakly (memory flat under load)
    dynamodb_values.py         DynamoDB's checks and number form, where moto is laxer (pure, no moto)
    dynamodb_front.py          DynamoDB's hot path: the chain's handler (checks, moto's handler, answer fixes)
    around_moto.py             `Correction`: a chain handler before and after one moto call, and the pair applying them
    apigateway_corrections.py  API Gateway: deployment snapshots, binaryMediaTypes
    apigateway_gateway_responses.py  API Gateway: PutGatewayResponse answers 201
    apigateway_authorizers.py  API Gateway: CreateAuthorizer keeps identityValidationExpression, GetMethodResponse 404,
                               PutMethod needs a valid authorizer for CUSTOM / COGNITO_USER_POOLS
    apigateway_credentials.py  API Gateway: PutIntegration keeps the caller-credentials marker `arn:aws:iam::*:user/*`
    apigateway_checks.py       API Gateway: AWS's refusals (path parts, methods, integration URIs), 404s, messages
    apigateway_updates.py      API Gateway: UpdateIntegration, UpdateIntegrationResponse, UpdateMethodResponse (moto
                               has none)
    apigateway_shapes.py       API Gateway: method and response documents without the empty keys AWS leaves out
    moto_failures.py           a call moto fails on, refused in the service's words (501 for what moto lacks)
    lambda_lifecycle.py        Lambda: states, RevisionId, LoggingConfig, :$LATEST, runtime and zip checks,
                               GetAccountSettings
    lambda_settings.py         Lambda: reserved concurrency within the account's minimum, missing event invoke configs
    cloudformation_front.py    CloudFormation: completed at its first call (cloudformation_outcomes/_apigateway/
                               _types/_checks.py: events and rollback, API Gateway's and other missing types,
                               AWS's template checks)
    lambda_corrections.py      Lambda: GetFunction concurrency 0, DeleteFunction retires workers, RemovePermission's
                               revision and missing statement, AddPermission's 201/409, error bodies
    recorded_ids.py            API Gateway's random ids recorded with a write and given back when it is replayed
                               (the --state journal)
    code_packages.py           CreateFunction/UpdateFunctionCode/PublishLayerVersion: unsafe zips and missing S3
                               code refused with Lambda's 400
    xml_request_ids.py         moto's request id written into XML answers only (its greedy rewrite swallowed log
                               events that quote XML answers)
    s3_bucket_policies.py      S3: a bucket policy's statements with a Condition left out (moto applied them always)
    s3_object_posts.py         S3: POST on an object without ?uploads/?uploadId/?restore/?select is 405
                               MethodNotAllowed (moto failed with a KeyError, a 500)

Importing the package loads moto's API Gateway models the light way (before anything else imports them);
`change_moto()` applies the patches (speed-ups, UpdateItem's numbers, RemovePermission's RevisionId, API Gateway's
recorded ids), once.
Left out: changes to services the stack does not serve for real (IAM, STS, CloudWatch Logs are moto's as is).
"""
from __future__ import annotations

from .lazy_imports import import_apigateway_models

import_apigateway_models()  # before anything imports moto's API Gateway models (saves ~0.2 s of start)

from .around_moto import Correction, Corrections  # noqa: E402 - after the models, on purpose
from .apigateway_authorizers import (  # noqa: E402
    keep_identity_validation_expression,
    method_corrections,
    refuse_unknown_method_response,
)
from .apigateway_checks import apigateway_checks, apigateway_error_words  # noqa: E402
from .apigateway_shapes import integration_response_shapes, show_documents_as_aws  # noqa: E402
from .apigateway_updates import apigateway_updates  # noqa: E402
from .apigateway_credentials import accept_caller_credentials  # noqa: E402
from .apigateway_corrections import apigateway_corrections  # noqa: E402
from .apigateway_gateway_responses import gateway_response_corrections  # noqa: E402
from .cloudformation_front import prepare_cloudformation  # noqa: E402
from .dynamodb_front import serve_dynamodb, store_arithmetic_in_dynamodb_form  # noqa: E402
from .code_packages import code_package_checks  # noqa: E402
from .lambda_corrections import lambda_corrections, lambda_error_shape, read_revision_id_as_text  # noqa: E402
from .lambda_lifecycle import bare_latest  # noqa: E402
from .recorded_ids import begin_recording, record_api_gateway_ids, recorded, replaying  # noqa: E402
from .no_docker import keep_moto_off_docker  # noqa: E402
from .s3_bucket_policies import evaluate_bucket_policies_without_conditions  # noqa: E402
from .s3_object_posts import refuse_object_posts_without_subresource  # noqa: E402
from .speedups import speed_up_moto  # noqa: E402
from .weak_instances import track_instances_weakly  # noqa: E402
from .xml_request_ids import write_request_ids_into_xml_only  # noqa: E402


def change_moto() -> None:
    """Apply the patches to moto's classes (idempotent)."""
    track_instances_weakly()
    speed_up_moto()
    keep_moto_off_docker()
    store_arithmetic_in_dynamodb_form()
    read_revision_id_as_text()
    keep_identity_validation_expression()
    refuse_unknown_method_response()
    show_documents_as_aws()
    record_api_gateway_ids()
    write_request_ids_into_xml_only()
    accept_caller_credentials()
    evaluate_bucket_policies_without_conditions()
    refuse_object_posts_without_subresource()


__all__ = ["Correction", "Corrections", "apigateway_checks", "apigateway_corrections", "apigateway_error_words",
           "apigateway_updates", "integration_response_shapes",
           "bare_latest", "begin_recording", "change_moto", "code_package_checks", "gateway_response_corrections",
           "lambda_corrections", "lambda_error_shape", "method_corrections", "prepare_cloudformation", "recorded",
           "replaying", "serve_dynamodb"]

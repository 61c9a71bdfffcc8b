"""CloudFormation's transforms on the embedded stack, as AWS runs them when a stack is made or changed (moto runs
none): `AWS::Include` snippets from S3 (`Fn::Transform` anywhere, as `aws cloudformation package` leaves
them), then SAM (`Transform: AWS::Serverless-2016-10-31`) with AWS's own aws-sam-translator. So `aws
cloudformation deploy`, `sam deploy` and boto3 get a SAM template deployed as on AWS.

A template SAM refuses answers 400 ValidationError "Transform AWS::Serverless-2016-10-31 failed with: ..."
(AWS's form). Managed policies a `Policies` entry names are looked up in moto's IAM (AWS's managed policies),
else given AWS's ARN form.
The stack runs the processed template; GetTemplate answers the template as it was given (`TemplateStage`
`Original`, the default) or as processed (`Processed`), with `StagesAvailable` as AWS lists them. The originals
are kept on moto's CloudFormation backend (by processed text), so a reset clears them with it.
Left out: macros (`AWS::LanguageExtensions`, custom transforms: refused with AWS's message for an unknown
transform).
"""
from __future__ import annotations

import copy
import json
import logging
from typing import Any, Callable

SAM = "AWS::Serverless-2016-10-31"
ORIGINALS = "harness_original_templates"  # on moto's CloudFormation backend: processed text -> text given
INCLUDE = "AWS::Include"


def _parse(text: str) -> Any:
    from cfnlint.decode import decode_str

    body, problems = decode_str(text)
    if problems:
        raise ValueError(problems[0].message)
    return json.loads(json.dumps(body))


def _transforms(body: dict[str, Any]) -> list[str]:
    value = body.get("Transform")
    names = value if isinstance(value, list) else [value] if value else []
    return [n if isinstance(n, str) else str((n or {}).get("Name")) for n in names]


def _include(node: Any, account_id: str) -> Any:
    """Every `Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://...}}` replaced by the snippet."""
    if isinstance(node, list):
        return [_include(v, account_id) for v in node]
    if not isinstance(node, dict):
        return node
    transform = node.get("Fn::Transform")
    if isinstance(transform, dict) and transform.get("Name") == INCLUDE:
        from moto.cloudformation.exceptions import ValidationError
        from moto.s3.models import s3_backends

        location = str((transform.get("Parameters") or {}).get("Location") or "")
        bucket, _, key = location.removeprefix("s3://").partition("/")
        try:
            text = s3_backends[account_id]["aws"].get_object(bucket, key).value.decode()
            snippet = _include(_parse(text), account_id)
        except Exception as exc:  # no such bucket or key, or not YAML/JSON
            raise ValidationError(message=f"Transform {INCLUDE} failed with: {location}: {exc}") from exc
        rest = {k: _include(v, account_id) for k, v in node.items() if k != "Fn::Transform"}
        return {**snippet, **rest} if isinstance(snippet, dict) and rest else snippet
    return {k: _include(v, account_id) for k, v in node.items()}


class _PolicyMap(dict):  # type: ignore[type-arg]
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __missing__(self, name: str) -> str:
        return f"arn:aws:iam::aws:policy/{name}"


def _managed_policies(account_id: str) -> _PolicyMap:
    try:
        from moto.iam.models import iam_backends

        backend = iam_backends[account_id]["aws"]
        return _PolicyMap({p.name: p.arn for p in backend.managed_policies.values()
                           if p.arn.startswith("arn:aws:iam::aws:policy/")})
    except Exception:  # moto without AWS's managed policies loaded: AWS's ARN form for every name
        return _PolicyMap()


def transformed(text: str, parameters: dict[str, Any], account_id: str, region: str) -> str:
    """The template after its transforms (the text unchanged when it has none)."""
    from moto.cloudformation.exceptions import ValidationError

    if "AWS::Include" not in text and SAM not in text:
        return text
    try:
        body = _parse(text)
    except ValueError:
        return text  # moto and the template checks answer a malformed template
    if not isinstance(body, dict):
        return text
    body = _include(body, account_id)
    names = _transforms(body)
    unknown = [n for n in names if n not in (SAM, INCLUDE)]
    if unknown:
        raise ValidationError(message=f"Template format error: Unsupported transform: {unknown[0]}")
    if SAM in names:
        body = _sam(body, parameters, account_id, region)
    return json.dumps(body)


def _sam(body: dict[str, Any], parameters: dict[str, Any], account_id: str, region: str) -> dict[str, Any]:
    import boto3
    from moto.cloudformation.exceptions import ValidationError
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    values = {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": "aws",
              "AWS::URLSuffix": "amazonaws.com", **{k: v for k, v in parameters.items() if isinstance(v, str)}}
    session = boto3.session.Session(region_name=region, aws_access_key_id="unused", aws_secret_access_key="unused")
    try:
        return Translator(None, Parser(), boto_session=session).translate(
            copy.deepcopy(body), parameter_values=values, get_managed_policy_map=lambda: _managed_policies(account_id))
    except InvalidDocumentException as exc:
        causes = " ".join(" ".join(str(getattr(c, "message", c)).split()) for c in exc.causes)
        raise ValidationError(message=f"Transform {SAM} failed with: Invalid Serverless Application "
                                      f"Specification document. Number of errors found: {len(exc.causes)}. "
                                      f"{causes}") from exc


def _parameters(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {p.get("ParameterKey"): p.get("ParameterValue") for p in value if isinstance(p, dict)}
    return {}


def _transforming(original: Callable[..., Any], template_at: int, parameters_at: int) -> Callable[..., Any]:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        args_list = list(args)
        in_kwargs = "template" in kwargs
        text = kwargs["template"] if in_kwargs else (args_list[template_at] if len(args_list) > template_at else None)
        if isinstance(text, str) and text:
            params = kwargs.get("parameters") if "parameters" in kwargs else (
                args_list[parameters_at] if len(args_list) > parameters_at else None)
            new = transformed(text, _parameters(params), self.account_id, self.region_name)
            if new != text:
                self.__dict__.setdefault(ORIGINALS, {})[new] = text
            if in_kwargs:
                kwargs["template"] = new
            else:
                args_list[template_at] = new
        return original(self, *args_list, **kwargs)
    call._harness_transform = True  # type: ignore[attr-defined]
    return call


def _get_template(self: Any) -> Any:
    """GetTemplate: the original template (default) or the processed one (`TemplateStage: Processed`)."""
    from moto.core.responses import ActionResult

    backend = self.cloudformation_backend
    processed = backend.get_template(self._get_param("StackName"))
    body = processed
    if self._get_param("TemplateStage") != "Processed":
        body = getattr(backend, ORIGINALS, {}).get(processed, processed)
    return ActionResult({"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]})


def run_transforms() -> None:
    """CreateStack, UpdateStack and CreateChangeSet run the template's transforms first; GetTemplate answers
    either stage (idempotent)."""
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse

    CloudFormationResponse.get_template = _get_template  # type: ignore[method-assign]

    for name, template_at, parameters_at in (("create_stack", 1, 2), ("update_stack", 1, 3),
                                             ("create_change_set", 2, 3)):
        method = getattr(CloudFormationBackend, name)
        if not getattr(method, "_harness_transform", False):
            setattr(CloudFormationBackend, name, _transforming(method, template_at, parameters_at))

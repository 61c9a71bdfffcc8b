"""SAM's transform (`AWS::Serverless-2016-10-31`) done here with AWS's own `aws-sam-translator`, for targets
whose CloudFormation does not do it (the embedded stack); LocalStack and AWS transform it themselves.

The managed policies a `Policies` entry names are looked up in the target's IAM (`ManagedPolicyLoader`, as
CloudFormation's transform does); a name IAM does not list gets AWS's ARN form `arn:aws:iam::aws:policy/NAME`.
An invalid SAM document is a `UsageError` with the translator's own message (it names the resource).
Left out: `AWS::LanguageExtensions` (Fn::ForEach and friends) and serverless application (`AWS::Serverless::
Application`) locations.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..errors import UsageError


class _PolicyMap(dict):  # type: ignore[type-arg]
    """The target's AWS managed policies by name; any other name in AWS's ARN form."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __missing__(self, name: str) -> str:
        return f"arn:aws:iam::aws:policy/{name}"

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name]


class _Loader:
    def __init__(self, iam: Any) -> None:
        self._iam = iam
        self._map: _PolicyMap | None = None

    def load(self) -> _PolicyMap:
        if self._map is None:
            from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader

            try:
                known = ManagedPolicyLoader(self._iam).load()
            except Exception:  # an IAM that lists nothing: AWS's ARN form for every name
                known = {}
            self._map = _PolicyMap(known)
        return self._map


def transform_sam(body: Mapping[str, Any], parameters: Mapping[str, str], *, region: str, account_id: str,
                  iam: Any, template_name: str) -> dict[str, Any]:
    """The plain CloudFormation template SAM makes of `body` (parameters: the values passed to the stack)."""
    import copy
    import logging

    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    values = {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": "aws",
              "AWS::URLSuffix": "amazonaws.com", **parameters}
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its feature-toggle notices are not the user's
    loader = _Loader(iam)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(
        region_name=region, aws_access_key_id="unused", aws_secret_access_key="unused"))  # only its region is read
    try:
        return translator.translate(copy.deepcopy(dict(body)), parameter_values=values,
                                    get_managed_policy_map=loader.load)
    except InvalidDocumentException as exc:
        causes = "; ".join(" ".join(str(getattr(c, "message", c)).split()) for c in exc.causes)
        raise UsageError(f"{template_name}: SAM transform refused it: {causes}") from exc

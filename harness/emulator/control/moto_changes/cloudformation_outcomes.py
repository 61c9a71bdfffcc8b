"""CloudFormation stacks that end as AWS's do: an event per resource, a failure rolls the stack back.

moto creates a stack's resources but records only the stack's own events, skips a resource type it has no model
for (with a Python warning), lets a failing resource's exception escape (a 500, the stack left half made),
answers outputs `None` for a stack made from a change set, and deletes the resources an update removes before
it creates the new ones. Patched here (applied once, at the first CloudFormation call, so the stack's start does
not pay for importing moto's CloudFormation):

- every resource gets AWS's events: `CREATE_IN_PROGRESS` / `CREATE_COMPLETE` / `CREATE_FAILED` (with the
  reason), the same for `UPDATE_*` and `DELETE_*`, `DELETE_SKIPPED` for `DeletionPolicy: Retain`;
- a resource type without a model fails its resource ("Resource type X is not supported by the embedded
  stack"), never skipped;
- a failed creation rolls back (`ROLLBACK_IN_PROGRESS` naming the failed resources, what was made is deleted,
  `ROLLBACK_COMPLETE`); a failed update goes back to the previous template and parameters
  (`UPDATE_ROLLBACK_COMPLETE`); a resource that cannot be updated in place is replaced (new first, old deleted);
- an update that changes nothing is refused ("No updates are to be performed."), one that changes a
  parameter updates what it reaches through a Condition or Fn::Sub too;
- a change set with nothing to change ends FAILED ("The submitted information didn't contain changes"),
  parameters compared by value (defaults and previous values resolved);
- a `NoEcho` parameter is shown `****`;
- DeleteStack is refused while another stack imports one of its exports; a resource that cannot be deleted
  leaves the stack `DELETE_FAILED` with the reason (moto answered 500 and dropped the stack);
- ExecuteChangeSet of a new stack builds its outputs and sees other stacks' exports, and a failure ends the
  change set `EXECUTE_FAILED`.
Left out: timeouts, stack policies, `UPDATE_ROLLBACK_FAILED` (a rollback that fails is logged and the stack
still ends `*_ROLLBACK_COMPLETE`), nested stacks' events.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

_state = threading.local()  # .stack: the stack being worked on, .failed: logical ids failed in this operation
UNSUPPORTED = "Resource type {kind} is not supported by the embedded stack"


class ResourceFailed(Exception):
    """A resource of the stack could not be made, changed or removed."""

    def __init__(self, logical_id: str, kind: str, action: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({kind}): {reason}")
        self.logical_id, self.kind, self.action, self.reason = logical_id, kind, action, reason


def reason_of(error: BaseException) -> str:
    """The text AWS would put in ResourceStatusReason for this exception."""
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    code = getattr(error, "error_type", None) or getattr(error, "code", None)
    return f"{message} (Service: {code})" if isinstance(code, str) and code and code not in message else message


@contextlib.contextmanager
def working_on(stack: Any) -> Iterator[None]:
    previous = getattr(_state, "stack", None), getattr(_state, "failed", None)
    _state.stack, _state.failed = stack, {}
    try:
        yield
    finally:
        _state.stack, _state.failed = previous


def _event(stack: Any, logical_id: str, kind: str, status: str, physical: str = "", reason: str | None = None) -> None:
    from moto.cloudformation.models import Event

    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                              physical_resource_id=physical or "", resource_type=kind, resource_status=status,
                              resource_status_reason=reason, resource_properties=None))


def _physical_id(resource: Any) -> str:
    value = getattr(resource, "physical_resource_id", None)
    return value if isinstance(value, str) else ""


def _supported(kind: str) -> bool:
    from moto.cloudformation import parsing

    return kind in parsing.NULL_MODELS or parsing.resource_class_from_type(kind) is not None


def _guarded(action: str, logical_id: str, kind: str, work: Callable[[], Any]) -> Any:
    """Run one resource's `work` with its events; a failure becomes `ResourceFailed` (once per resource)."""
    stack, failed = getattr(_state, "stack", None), getattr(_state, "failed", None)
    if stack is None:
        return work()
    verb = action.upper()
    if failed is not None and logical_id in failed:  # moto retries a failed change: it failed already
        raise failed[logical_id]
    _event(stack, logical_id, kind, f"{verb}_IN_PROGRESS")
    try:
        if not _supported(kind):
            raise ResourceFailed(logical_id, kind, action, UNSUPPORTED.format(kind=kind))
        resource = work()
    except ResourceFailed as error:
        if error.logical_id != logical_id:  # a resource it refers to failed: this one never ran
            _event(stack, logical_id, kind, f"{verb}_FAILED", reason="Resource creation cancelled")
            raise
        _event(stack, logical_id, kind, f"{verb}_FAILED", reason=error.reason)
        if failed is not None:
            failed[logical_id] = error
        raise
    except Exception as error:  # moto's own exceptions of any service: the resource's failure reason
        failure = ResourceFailed(logical_id, kind, action, reason_of(error))
        _event(stack, logical_id, kind, f"{verb}_FAILED", reason=failure.reason)
        if failed is not None:
            failed[logical_id] = failure
        raise failure from error
    _event(stack, logical_id, kind, f"{verb}_COMPLETE", physical=_physical_id(resource))
    return resource


def _create_resource(original: Callable[..., Any]) -> Callable[..., Any]:
    def create(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
               region_name: str) -> Any:
        condition = resource_json.get("Condition")
        if condition and not resources_map.lazy_condition_map[condition]:
            return None
        return _guarded("create", logical_id, resource_json["Type"],
                        lambda: original(logical_id, resource_json, resources_map, account_id, region_name))
    return create


def _update_resource(original: Callable[..., Any], create: Callable[..., Any]) -> Callable[..., Any]:
    def update(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
               region_name: str) -> Any:
        from moto.cloudformation import parsing

        kind = resource_json["Type"]
        resource_class = parsing.resource_class_from_type(kind)
        if resource_class is not None and hasattr(resource_class.update_from_cloudformation_json,
                                                  "__isabstractmethod__"):
            return _replace(logical_id, resource_json, resources_map, account_id, region_name, create)
        return _guarded("update", logical_id, kind,
                        lambda: original(logical_id, resource_json, resources_map, account_id, region_name))
    return update


def _replace(logical_id: str, resource_json: dict[str, Any], resources_map: Any, account_id: str,
             region_name: str, create: Callable[..., Any]) -> Any:
    """A resource moto cannot update in place: a new one is made, then the old one deleted (AWS's replacement)."""
    old = resources_map._parsed_resources.get(logical_id)
    old_json = (getattr(_state, "old_resources", None) or {}).get(logical_id)
    new = _guarded("update", logical_id, resource_json["Type"],
                   lambda: create(logical_id, resource_json, resources_map, account_id, region_name))
    if old is not None and not isinstance(old, str) and old_json is not None:
        try:
            resources_map._delete_resource(old, old_json)
        except Exception:  # the old one gone already, or moto cannot delete that type: the new one stands
            log.debug("replaced %s: the old resource was not deleted", logical_id, exc_info=True)
    return new


def _delete_resource(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete(self: Any, parsed_resource: Any, resource_json: dict[str, Any]) -> Any:
        logical_id = getattr(parsed_resource, "logical_resource_id", None) or "?"
        stack = getattr(_state, "stack", None)
        if stack is None:
            return original(self, parsed_resource, resource_json)
        kind = resource_json.get("Type", "")
        _event(stack, logical_id, kind, "DELETE_IN_PROGRESS", physical=_physical_id(parsed_resource))
        try:
            original(self, parsed_resource, resource_json)
        except Exception as error:
            _event(stack, logical_id, kind, "DELETE_FAILED", physical=_physical_id(parsed_resource),
                   reason=reason_of(error))
            raise
        _event(stack, logical_id, kind, "DELETE_COMPLETE", physical=_physical_id(parsed_resource))
    return delete


def _delete_all(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete(self: Any) -> None:
        stack = getattr(_state, "stack", None)
        if stack is not None:
            for logical_id, resource_json in self._resource_json_map.items():
                made = self._parsed_resources.get(logical_id)
                if resource_json.get("DeletionPolicy") == "Retain" and made is not None and not isinstance(made, str):
                    _event(stack, logical_id, resource_json.get("Type", ""), "DELETE_SKIPPED",
                           physical=_physical_id(made))
        original(self)
    return delete


def _update_map(original: Callable[..., Any]) -> Callable[..., Any]:
    def update(self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
        old = dict(self._resource_json_map)
        _state.old_resources = old
        removed = {name: body for name, body in old.items() if name not in (template.get("Resources") or {})}
        if removed:  # AWS removes what the update drops only once the rest succeeded (moto removes it first)
            keeping = {**template, "Resources": {**template["Resources"], **removed}}
            original(self, keeping, parameters)
        original(self, template, parameters)
    return update


def _diff_with_parameters(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's diff, plus the resources a changed parameter reaches through a Condition or Fn::Sub (moto looked
    only at a direct Ref), so they are updated as on AWS."""
    def build_resource_diff(self: Any, other_template: dict[str, Any], parameters: dict[str, Any] | None = None
                            ) -> dict[str, Any]:
        found = original(self, other_template, parameters)
        if not parameters:
            return found
        changed = {p for p in parameters if self.input_parameters.get(p) != parameters[p]}
        if not changed:
            return found
        text = json.dumps
        conditions = {name for name, body in (other_template.get("Conditions") or {}).items()
                      if any(f'"{p}"' in text(body) for p in changed)}
        for name, body in (other_template.get("Resources") or {}).items():
            if name in found["Modify"] or name in found["Add"]:
                continue
            raw = text(body)
            if any(f'"{c}"' in raw for c in conditions) or any(f"${{{p}}}" in raw for p in changed):
                found["Modify"].append(name)
        return found
    return build_resource_diff


def _stack_create(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_resources(self: Any) -> None:
        with working_on(self):
            try:
                original(self)
            except ResourceFailed as failed:
                _roll_back_creation(self, failed)
    return create_resources


def _roll_back_creation(stack: Any, failed: ResourceFailed) -> None:
    names = ", ".join(sorted(_state.failed or {failed.logical_id: failed}))
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=(
        f"The following resource(s) failed to create: [{names}]. Rollback requested by user."))
    try:
        stack.resource_map.delete()
    except Exception:
        log.exception("rollback of stack %s left resources", stack.name)
    stack.output_map = _no_outputs(stack)
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")


def _no_outputs(stack: Any) -> Any:
    from moto.cloudformation.parsing import OutputMap

    return OutputMap(stack.resource_map, {}, stack.stack_id)


def _stack_update(original: Callable[..., Any]) -> Callable[..., Any]:
    def update(self: Any, template: str, role_arn: str | None = None, parameters: dict[str, Any] | None = None,
               tags: dict[str, str] | None = None) -> None:
        from moto.cloudformation.exceptions import ValidationError

        old_template, old_parameters = self.template, dict(self.resource_map.input_parameters or {})
        same_template = self.parse_template(template) == self.parse_template(old_template)
        if same_template and dict(parameters or {}) == old_parameters:
            raise ValidationError(self.name, message="No updates are to be performed.")
        with working_on(self):
            try:
                original(self, template, role_arn, parameters, tags)
            except ResourceFailed as failed:
                _roll_back_update(self, failed, old_template, old_parameters)
    return update


def _roll_back_update(stack: Any, failed: ResourceFailed, old_template: Any, old_parameters: dict[str, Any]) -> None:
    names = ", ".join(sorted(_state.failed or {failed.logical_id: failed}))
    stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=(
        f"The following resource(s) failed to {failed.action}: [{names}]. "))
    _state.failed = {}
    stack.template = old_template
    stack._parse_template()
    try:
        stack.resource_map.update(stack.template_dict, old_parameters)
    except Exception:
        log.exception("update rollback of stack %s did not complete", stack.name)
    stack.output_map = stack._create_output_map()
    stack.status = "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")


def _stack_delete(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete(self: Any) -> None:
        with working_on(self):
            original(self)
    return delete


def create_stack(backend: Any, name: str, template: str, parameters: dict[str, Any], notification_arns: Any = None,
                 tags: dict[str, str] | None = None, role_arn: str | None = None,
                 enable_termination_protection: bool | None = False, timeout_in_mins: int | None = None,
                 stack_policy_body: str | None = None) -> Any:
    """CreateStack: moto's, with the outputs (and so the exports) worked out only once the resources are made
    (moto evaluated them first, making resources outside the stack's events)."""
    from moto.cloudformation.exceptions import AlreadyExistsException
    from moto.cloudformation.models import Stack
    from moto.cloudformation.utils import generate_stack_id

    if name in [stack.name for stack in backend.stacks.values()]:
        raise AlreadyExistsException(f"Stack {name} already exists")
    stack = Stack(stack_id=generate_stack_id(name, backend.region_name, backend.account_id), name=name,
                  template=template, parameters=parameters, account_id=backend.account_id,
                  region_name=backend.region_name, notification_arns=notification_arns, tags=tags,
                  role_arn=role_arn, cross_stack_resources=backend.exports,
                  enable_termination_protection=enable_termination_protection, timeout_in_mins=timeout_in_mins,
                  stack_policy_body=stack_policy_body)
    _check_export_names(backend, stack)
    backend.stacks[stack.stack_id] = stack
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.create_resources()
    _publish_exports(backend, stack)
    return stack


def _check_export_names(backend: Any, stack: Any) -> None:
    from moto.cloudformation.exceptions import ValidationError

    names = [o.get("Export", {}).get("Name") for o in (stack.template_dict.get("Outputs") or {}).values()
             if isinstance(o, dict) and isinstance(o.get("Export"), dict)]
    taken = [n for n in names if isinstance(n, str) and n in backend.exports
             and backend.exports[n].exporting_stack_id != stack.stack_id]
    if taken:
        raise ValidationError(stack.stack_id, message="Export names must be unique across a given region")


def _publish_exports(backend: Any, stack: Any) -> None:
    if stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        for export in stack.exports:
            backend.exports[export.name] = export


def delete_stack(backend: Any, name_or_stack_id: str) -> None:
    """DeleteStack: refused while another stack imports one of its exports (AWS's message); a resource that
    cannot be deleted leaves the stack `DELETE_FAILED` with the reason (moto answered 500 and forgot the stack);
    a stack that does not exist is no error, as on AWS."""
    from moto.cloudformation.exceptions import ValidationError

    stack = backend.stacks.get(name_or_stack_id) or next(
        (s for s in backend.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return
    ours = [name for name, export in backend.exports.items() if export.exporting_stack_id == stack.stack_id]
    for other in backend.stacks.values():
        if other is stack:
            continue
        text = json.dumps(other.template_dict)
        for name in ours:
            if json.dumps({"Fn::ImportValue": name})[1:-1] in text:
                raise ValidationError(message=f"Export {name} cannot be deleted as it is in use by {other.name}")
    try:
        stack.delete()
    except Exception as error:  # a resource moto could not delete: the stack stays, as AWS keeps it
        stack.status = "DELETE_FAILED"
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason_of(error))
        return
    backend.stacks.pop(stack.stack_id, None)
    backend.deleted_stacks[stack.stack_id] = stack
    for name in ours:
        backend.exports.pop(name, None)


def _made_resources(self: Any) -> list[Any]:
    """A stack's resources: those made (moto's map made any it was asked for, even after a rollback)."""
    resource_map = self.resource_map
    return [made for name, made in list(resource_map._parsed_resources.items())
            if name in resource_map._resource_json_map and made is not None and not isinstance(made, str)
            and hasattr(made, "logical_resource_id")]


def _parameter_list(self: Any) -> list[dict[str, Any]]:
    """DescribeStacks' Parameters: a `NoEcho` parameter shows `****`, passed or defaulted (moto compared the
    value with the names, and only for passed ones)."""
    slots = self.template_dict.get("Parameters") or {}
    return [{"ParameterKey": key, "ParameterValue": "****" if (slots.get(key) or {}).get("NoEcho") in (True, "true")
             else (",".join(map(str, value)) if isinstance(value, list) else value)}
            for key, value in self.resource_map.resolved_parameters.items()]


def _has_template(self: Any, other_template: str) -> bool:
    """CreateChangeSet's "no changes": the stack's template as given (moto compared the dict its resource map
    had filled in with empty Properties, so an unchanged template looked changed)."""
    return self.parse_template(self.template) == self.parse_template(other_template)


def _has_parameters(self: Any, other_parameters: dict[str, Any]) -> bool:
    """The same parameter values, defaults and previous values resolved (moto compared what was passed: a
    `UsePreviousValue` or a default made an unchanged stack look changed)."""
    def text(values: dict[str, Any]) -> dict[str, str]:
        return {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in values.items() if v is not None}
    slots = self.template_dict.get("Parameters") or {}
    wanted = {name: (slot or {}).get("Default") for name, slot in slots.items()}
    wanted.update(other_parameters or {})
    return text(wanted) == text(self.resource_map.resolved_parameters)


def execute_change_set(backend: Any, change_set_name: str, stack_name: str | None = None) -> None:
    """ExecuteChangeSet: moto's, with a new stack's outputs, exports and imports, and rollback."""
    from moto.cloudformation.exceptions import ValidationError

    change_set = backend.change_sets.get(change_set_name) or next(
        (cs for cs in backend.change_sets.values() if cs.change_set_name == change_set_name
         and (stack_name is None or cs.stack_name == stack_name or cs.stack_id == stack_name)), None)
    if change_set is None:
        raise ValidationError(message=f"ChangeSet [{change_set_name}] does not exist")
    if change_set.execution_status != "AVAILABLE":
        raise ValidationError(message=(f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current "
                                       f"execution status of [{change_set.execution_status}]"))
    stack = backend.stacks[change_set.stack_id]
    if change_set.change_set_type == "CREATE":
        stack.template, stack.parameters = change_set.template, change_set.parameters
        stack.cross_stack_resources = backend.exports
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.resource_map = stack._create_resource_map()
        stack.output_map = stack._create_output_map()
        _check_export_names(backend, stack)
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.create_resources()
    else:
        stack.update(change_set.template, change_set.role_arn, parameters=change_set.parameters,
                     tags=change_set.tags)
    ok = stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    _publish_exports(backend, stack)
    change_set.execution_status = "EXECUTE_COMPLETE" if ok else "EXECUTE_FAILED"


def change_cloudformation_outcomes() -> None:
    """Apply the patches above to moto's CloudFormation (idempotent)."""
    from moto.cloudformation import models, parsing

    if getattr(parsing.parse_and_create_resource, "_harness", False):
        return
    create = _create_resource(parsing.parse_and_create_resource)
    raw_create = parsing.parse_and_create_resource
    patches: list[tuple[Any, str, Any]] = [
        (parsing, "parse_and_create_resource", create),
        (parsing, "parse_and_update_resource", _update_resource(parsing.parse_and_update_resource, raw_create)),
        (parsing.ResourceMap, "_delete_resource", _delete_resource(parsing.ResourceMap._delete_resource)),
        (parsing.ResourceMap, "delete", _delete_all(parsing.ResourceMap.delete)),
        (parsing.ResourceMap, "update", _update_map(parsing.ResourceMap.update)),
        (parsing.ResourceMap, "build_resource_diff", _diff_with_parameters(parsing.ResourceMap.build_resource_diff)),
        (models.Stack, "create_resources", _stack_create(models.Stack.create_resources)),
        (models.Stack, "update", _stack_update(models.Stack.update)),
        (models.Stack, "delete", _stack_delete(models.Stack.delete)),
        (models.CloudFormationBackend, "execute_change_set", execute_change_set),
        (models.CloudFormationBackend, "create_stack", create_stack),
        (models.CloudFormationBackend, "delete_stack", delete_stack),
        (models.Stack, "stack_resources", property(_made_resources)),
        (models.Stack, "parameter_list", property(_parameter_list)),
        (models.Stack, "has_template", _has_template),
        (models.Stack, "has_parameters", _has_parameters),
    ]
    for owner, name, value in patches:
        if not isinstance(value, property):
            value._harness = True
        setattr(owner, name, value)

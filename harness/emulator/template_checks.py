"""The template checks CloudFormation makes before it creates anything, pure (no moto): an intrinsic function
CloudFormation does not have, a Ref or Fn::GetAtt naming nothing in the template, a circular dependency between
resources (Ref, Fn::GetAtt, Fn::Sub's `${X}`, DependsOn). The messages are AWS's (CreateStack's 400
ValidationError). Used by the embedded stack's CloudFormation (control/moto_changes/cloudformation_checks.py)
and by `harness deploy --template` before it calls anything.
Left out: the rest of AWS's schema checks (cfn-lint makes them before `harness deploy`).
"""
from __future__ import annotations

import re
from typing import Any, Iterator

FUNCTIONS = ("Fn::Base64", "Fn::GetAtt", "Fn::GetAZs", "Fn::ImportValue", "Fn::Join", "Fn::Split",
             "Fn::FindInMap", "Fn::Select", "Ref", "Fn::Equals", "Fn::If", "Fn::Not", "Condition", "Fn::And",
             "Fn::Or", "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::ValueOf", "Fn::ValueOfAll",
             "Fn::RefAll", "Fn::Sub", "Fn::Cidr")
_OTHER_KEYS = ("Fn::Transform", "Fn::Length", "Fn::ToJsonString", "Fn::ForEach")  # transforms' and language extensions'
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (function name, argument) in a template fragment."""
    if isinstance(node, dict):
        if len(node) == 1:
            key, value = next(iter(node.items()))
            if key == "Ref" or key.startswith("Fn::"):
                yield key, value
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _refers_to(node: Any) -> set[str]:
    """The names a fragment refers to (resources, parameters, pseudo parameters)."""
    names: set[str] = set()
    for function, argument in _walk(node):
        if function == "Ref" and isinstance(argument, str):
            names.add(argument)
        elif function == "Fn::GetAtt":
            target = argument[0] if isinstance(argument, list) and argument else argument
            if isinstance(target, str):
                names.add(target.split(".", 1)[0])
        elif function == "Fn::Sub":
            text, bound = (argument[0], argument[1] if len(argument) > 1 else {}) if isinstance(argument, list) \
                else (argument, {})
            if isinstance(text, str):
                names.update(m.split(".", 1)[0] for m in _SUB_NAME.findall(text)
                             if m.split(".", 1)[0] not in (bound if isinstance(bound, dict) else {}))
    return names


def template_problem(template: Any) -> str | None:
    """AWS's ValidationError message for this template, or None when these checks pass."""
    if not isinstance(template, dict):
        return "Template format error: JSON not well-formed."
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return "Template format error: At least one Resources member must be defined."
    for function, _ in _walk({k: v for k, v in template.items() if k != "Transform"}):
        if function not in FUNCTIONS and function not in _OTHER_KEYS:
            return (f"Template format error: Encountered unsupported function: {function} "
                    f"Supported functions are: [{', '.join(FUNCTIONS)}]")
    known = set(resources) | set(template.get("Parameters") or {})
    edges: dict[str, set[str]] = {}
    for name, body in resources.items():
        if not isinstance(body, dict):
            return f"Template format error: [/Resources/{name}] resource definition is malformed"
        refers = _refers_to(body.get("Properties")) | _refers_to(body.get("Metadata"))
        depends = body.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else list(depends)
        missing = sorted(n for n in (refers | set(depends)) if n not in known and not n.startswith("AWS::"))
        if missing:
            return (f"Template format error: Unresolved resource dependencies [{', '.join(missing)}] in the "
                    "Resources block of the template")
        edges[name] = {n for n in (refers | set(depends)) if n in resources}
    cycle = _cycle(edges)
    if cycle:
        return f"Circular dependency between resources: [{', '.join(sorted(cycle))}]"
    return None


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """The resources on a dependency cycle, or None (iterative depth-first search)."""
    state: dict[str, int] = {}
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(edges[child]))))
                path.append(child)
    return None



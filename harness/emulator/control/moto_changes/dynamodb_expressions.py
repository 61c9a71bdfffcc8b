"""DynamoDB's expression grammar, enough to answer as DynamoDB does before moto evaluates anything.

`parse_condition` (ConditionExpression, FilterExpression, KeyConditionExpression), `parse_update`
(UpdateExpression) and `parse_projection` (ProjectionExpression) check the syntax and return what the
expression uses (`Parsed`: `#names` and `:values` in order of appearance, the comparisons and functions met).
A syntax error is DynamoDB's `Syntax error; token: "<t>", near: "<text>"`, where the text runs from the token
before the offending one to the token after it (as DynamoDB Local words it); the caller adds
`Invalid <Kind>Expression: `. Pure: no moto.
Left out: evaluating expressions (moto does), the reserved-word list (moto's parser checks it), operand types
beyond what a key condition needs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<hash>#[A-Za-z0-9_]+)|(?P<value>:[A-Za-z0-9_]+)"
                    r"|(?P<number>[0-9]+)|(?P<op><>|<=|>=|[=<>()\[\],.+\-])|(?P<bad>\S))")
COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
BOOLEAN_FUNCTIONS = ("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains")


class ExpressionError(ValueError):
    """The expression is not valid; the text is DynamoDB's, without the `Invalid <Kind>Expression: ` part."""


@dataclass(frozen=True)
class Token:
    kind: str  # name, hash, value, number, op, bad, eof
    text: str
    start: int
    end: int


@dataclass
class Parsed:
    """What an expression uses, in order of appearance."""

    names: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    operators: list[str] = field(default_factory=list)  # AND, OR, NOT, comparators, BETWEEN, IN, functions
    comparisons: list[tuple[tuple[str, ...], str, list[str]]] = field(default_factory=list)  # path, op, values
    paths: list[tuple[str, ...]] = field(default_factory=list)  # top-level document paths, as written


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only whitespace is left
            break
        kind = match.lastgroup or "bad"
        tokens.append(Token(kind, match.group(kind), match.start(kind), match.end(kind)))
        position = match.end()
    tokens.append(Token("eof", "<EOF>", len(text), len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0
        self.parsed = Parsed()

    # -- tokens
    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def keyword(self, *words: str) -> bool:
        return self.token.kind == "name" and self.token.text.upper() in words

    def take(self) -> Token:
        token = self.token
        if token.kind != "eof":
            self.at += 1
        return token

    def fail(self) -> ExpressionError:
        token = self.token
        before = self.tokens[self.at - 1] if self.at > 0 else token
        after = self.tokens[self.at + 1] if token.kind != "eof" and self.at + 1 < len(self.tokens) else None
        end = after.end if after is not None and after.kind != "eof" else len(self.text)
        if token.kind == "eof":
            end = len(self.text)
        return ExpressionError(f'Syntax error; token: "{token.text}", near: "{self.text[before.start:end]}"')

    def expect(self, text: str) -> Token:
        if self.token.kind == "op" and self.token.text == text:
            return self.take()
        raise self.fail()

    def expect_keyword(self, word: str) -> Token:
        if self.keyword(word):
            return self.take()
        raise self.fail()

    def end(self) -> None:
        if self.token.kind != "eof":
            raise self.fail()

    # -- paths and operands
    def path(self) -> tuple[str, ...]:
        token = self.token
        if token.kind == "hash":
            self.parsed.names.append(token.text)
        elif token.kind != "name" or token.text.upper() in ("AND", "OR", "NOT", "BETWEEN", "IN"):
            raise self.fail()
        self.take()
        parts = [token.text]
        while self.token.kind == "op" and self.token.text in (".", "["):
            if self.take().text == ".":
                part = self.token
                if part.kind == "hash":
                    self.parsed.names.append(part.text)
                elif part.kind != "name":
                    raise self.fail()
                parts.append(self.take().text)
            else:
                if self.token.kind != "number":
                    raise self.fail()
                parts.append(f"[{self.take().text}]")
                self.expect("]")
        path = tuple(parts)
        self.parsed.paths.append(path)
        return path

    def operand(self) -> tuple[str, object]:
        """('value', name), ('path', path) or ('size', path)."""
        token = self.token
        if token.kind == "value":
            self.parsed.values.append(self.take().text)
            return "value", token.text
        if token.kind == "name" and token.text == "size" and self.tokens[self.at + 1].text == "(":
            self.take()
            self.parsed.operators.append("size")
            self.expect("(")
            path = self.path()
            self.expect(")")
            return "size", path
        return "path", self.path()

    # -- conditions
    def condition(self) -> None:
        self.conjunction()
        while self.keyword("OR"):
            self.parsed.operators.append("OR")
            self.take()
            self.conjunction()

    def conjunction(self) -> None:
        self.negation()
        while self.keyword("AND"):
            self.parsed.operators.append("AND")
            self.take()
            self.negation()

    def negation(self) -> None:
        if self.keyword("NOT"):
            self.parsed.operators.append("NOT")
            self.take()
            self.negation()
        else:
            self.atom()

    def atom(self) -> None:
        token = self.token
        if token.kind == "op" and token.text == "(":
            self.take()
            self.condition()
            self.expect(")")
            return
        if token.kind == "name" and token.text in BOOLEAN_FUNCTIONS and self.tokens[self.at + 1].text == "(":
            self.take()
            self.parsed.operators.append(token.text)
            self.expect("(")
            path = self.path()
            values: list[str] = []
            if token.text != "attribute_exists" and token.text != "attribute_not_exists":
                self.expect(",")
                kind, value = self.operand()
                if kind == "value":
                    values.append(str(value))
            self.expect(")")
            self.parsed.comparisons.append((path, token.text, values))
            return
        kind, left = self.operand()
        if self.token.kind == "op" and self.token.text in COMPARATORS:
            operator = self.take().text
            self.parsed.operators.append(operator)
            right_kind, right = self.operand()
            if kind == "path" and right_kind == "value":
                self.parsed.comparisons.append((left, operator, [str(right)]))  # type: ignore[arg-type]
            elif kind == "value" and right_kind == "path":
                self.parsed.comparisons.append((right, operator, [str(left)]))  # type: ignore[arg-type]
            else:
                self.parsed.comparisons.append((left if kind == "path" else (), operator, []))  # type: ignore
        elif self.keyword("BETWEEN"):
            self.take()
            self.parsed.operators.append("BETWEEN")
            low_kind, low = self.operand()
            self.expect_keyword("AND")
            high_kind, high = self.operand()
            values = [str(v) for k, v in ((low_kind, low), (high_kind, high)) if k == "value"]
            self.parsed.comparisons.append((left if kind == "path" else (), "BETWEEN", values))  # type: ignore
        elif self.keyword("IN"):
            self.take()
            self.parsed.operators.append("IN")
            self.expect("(")
            self.operand()
            while self.token.kind == "op" and self.token.text == ",":
                self.take()
                self.operand()
            self.expect(")")
        else:
            raise self.fail()

    # -- update expressions
    def update(self) -> None:
        if self.token.kind == "eof":
            raise ExpressionError("The expression can not be empty;")
        while self.token.kind != "eof":
            if not self.keyword("SET", "REMOVE", "ADD", "DELETE"):
                raise self.fail()
            clause = self.take().text.upper()
            self.parsed.operators.append(clause)
            while True:
                if clause == "SET":
                    self.path()
                    self.expect("=")
                    self.set_value()
                elif clause == "REMOVE":
                    self.path()
                else:
                    self.path()
                    if self.token.kind != "value":
                        raise self.fail()
                    self.parsed.values.append(self.take().text)
                if not (self.token.kind == "op" and self.token.text == ","):
                    break
                self.take()

    def set_value(self) -> None:
        self.set_operand()
        if self.token.kind == "op" and self.token.text in ("+", "-"):
            self.parsed.operators.append(self.take().text)
            self.set_operand()

    def set_operand(self) -> None:
        token = self.token
        following = self.tokens[self.at + 1].text if token.kind != "eof" else ""
        if token.kind == "name" and token.text in ("if_not_exists", "list_append") and following == "(":
            self.take()
            self.parsed.operators.append(token.text)
            self.expect("(")
            if token.text == "if_not_exists":
                self.path()
                self.expect(",")
                self.set_value()
            else:
                self.set_operand()
                self.expect(",")
                self.set_operand()
            self.expect(")")
        elif token.kind == "value":
            self.parsed.values.append(self.take().text)
        else:
            self.path()

    def projection(self) -> None:
        self.path()
        while self.token.kind == "op" and self.token.text == ",":
            self.take()
            self.path()


def parse_condition(text: str) -> Parsed:
    parser = _Parser(text)
    if parser.token.kind == "eof":
        raise ExpressionError("The expression can not be empty;")
    parser.condition()
    parser.end()
    return parser.parsed


def parse_update(text: str) -> Parsed:
    parser = _Parser(text)
    parser.update()
    return parser.parsed


def parse_projection(text: str) -> Parsed:
    parser = _Parser(text)
    if parser.token.kind == "eof":
        raise ExpressionError("The expression can not be empty;")
    parser.projection()
    parser.end()
    return parser.parsed


_FLIPPED = {"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def path_first(text: str) -> str:
    """`text` with every `:value <op> path` comparison written `path <op'> :value` (the same condition; moto's
    key-condition parser takes only the latter, DynamoDB both). Unchanged when there is none."""
    tokens = tokenize(text)
    out, last = [], 0
    for i in range(len(tokens) - 3):
        value, operator, name, after = tokens[i:i + 4]
        if (value.kind == "value" and operator.kind == "op" and operator.text in _FLIPPED
                and name.kind in ("name", "hash") and not (after.kind == "op" and after.text in (".", "["))
                and not (i > 0 and tokens[i - 1].kind == "op" and tokens[i - 1].text in _FLIPPED)):
            out.append(text[last:value.start])
            out.append(f"{name.text} {_FLIPPED[operator.text]} {value.text}")
            last = name.end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)

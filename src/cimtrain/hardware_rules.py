"""The rules over several hardware keys, read from the hardware schema and evaluated safely.

Each rule is declared once, as NEUROSIM_RULE(key, "holds", "message") in
NeuroSIM/include/neurosim/hardware_keys.def; `python -m cimtrain.hardware_schema` copies them into
the schema's `x-rules`. The condition and the {expression} placeholders of the message are written
in the estimator's small language (NeuroSIM/include/neurosim/rule_expression.hpp):

    or / and / not, one comparison (== != < <= > >=, no chains), `**` on integers,
    integer literals, key names (their values), choice names (sram, crossbar, ...; compared
    with == or != to a choice key that allows them), given(key): the key was set.

Python's own parser reads the text, and only the node types of that language are accepted, each
checked for names and types when the rule is loaded; nothing is ever passed to eval.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

# Integer literals stay where C++ doubles count exactly.
MAX_LITERAL = 999_999_999
COMPARISONS: dict[type[ast.cmpop], Callable[[object, object], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,  # type: ignore[operator]
    ast.LtE: lambda a, b: a <= b,  # type: ignore[operator]
    ast.Gt: lambda a, b: a > b,  # type: ignore[operator]
    ast.GtE: lambda a, b: a >= b,  # type: ignore[operator]
}
NUMBERS = ("integer", "real")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class RuleSyntaxError(ValueError):
    """A rule text outside the language, or naming what the schema does not declare."""


@dataclass(frozen=True)
class RuleKeys:
    """The keys a rule may name: key -> type (boolean, integer, real, choice) and choices."""

    types: Mapping[str, str]
    choices: Mapping[str, Collection[str]]

    @classmethod
    def from_schema(cls, schema: Mapping) -> RuleKeys:
        kinds = {"boolean": "boolean", "integer": "integer", "number": "real"}
        types: dict[str, str] = {}
        choices: dict[str, tuple[str, ...]] = {}
        for name, spec in schema["properties"].items():
            if "x-names" in spec:  # lists of names: no rule compares them
                continue
            if spec["type"] == "string":
                types[name] = "choice"
                choices[name] = tuple(spec["enum"])
            else:
                types[name] = kinds[spec["type"]]
        return cls(types, choices)

    def is_choice(self, name: str) -> bool:
        return any(name in allowed for allowed in self.choices.values())


@dataclass(frozen=True)
class Node:
    """A checked expression: `kind` of node, static `type`, and what it holds."""

    kind: str  # literal, key, choice, given, not, and, or, compare, power
    type: str  # boolean, integer, real, choice (a key's value) or name (a choice literal)
    value: object = None  # literal number, key or choice name, comparison operator type
    args: tuple[Node, ...] = ()


class _Checker:
    """Turns the ast of one expression into Nodes, refusing everything outside the language."""

    def __init__(self, text: str, keys: RuleKeys) -> None:
        self.text = text
        self.source = text.strip()
        self.keys = keys

    def fail(self, what: str) -> RuleSyntaxError:
        return RuleSyntaxError(f"rule expression {self.text!r}: {what}")

    def parse(self) -> Node:
        try:
            tree = ast.parse(self.source, mode="eval")
        except SyntaxError as error:
            raise self.fail(f"not an expression ({error.msg})") from None
        return self.node(tree.body)

    def boolean(self, node: ast.expr, op: str) -> Node:
        checked = self.node(node)
        if checked.type != "boolean":
            raise self.fail(f"{op!r} needs true/false operands")
        return checked

    def node(self, node: ast.expr) -> Node:
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And | ast.Or):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return Node(op, "boolean", None, tuple(self.boolean(v, op) for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Node("not", "boolean", None, (self.boolean(node.operand, "not"),))
        if isinstance(node, ast.Compare):
            return self.comparison(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = self.node(node.left), self.node(node.right)
            if base.type != "integer" or exponent.type != "integer":
                raise self.fail("'**' needs integers")
            return Node("power", "integer", None, (base, exponent))
        if isinstance(node, ast.Constant) and type(node.value) is int:
            if not (ast.get_source_segment(self.source, node) or "").isdigit():
                raise self.fail("integers are written in decimal digits only")
            if node.value > MAX_LITERAL:
                raise self.fail("integer literal longer than 9 digits")
            return Node("literal", "integer", node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Call):
            return self.given(node)
        raise self.fail(f"{ast.unparse(node)!r} is not allowed in a rule")

    def name(self, name: str) -> Node:
        if name in ("and", "or", "not", "given"):
            raise self.fail(f"unexpected {name!r}")
        if name in self.keys.types:
            return Node("key", self.keys.types[name], name)
        if self.keys.is_choice(name):
            return Node("choice", "name", name)
        raise self.fail(f"unknown name {name!r} (neither a hardware key nor a choice)")

    def given(self, call: ast.Call) -> Node:
        if not (isinstance(call.func, ast.Name) and call.func.id == "given"):
            raise self.fail(f"{ast.unparse(call)!r} is not allowed in a rule")
        args = call.args
        if call.keywords or len(args) != 1 or not isinstance(args[0], ast.Name) \
                or args[0].id not in self.keys.types:
            raise self.fail("given() takes a hardware key")
        return Node("given", "boolean", args[0].id)

    def comparison(self, node: ast.Compare) -> Node:
        if len(node.ops) != 1:
            raise self.fail("chained comparisons are not allowed; join them with 'and'")
        op = type(node.ops[0])
        if op not in COMPARISONS:
            raise self.fail(f"{ast.unparse(node)!r}: only == != < <= > >= compare")
        left, right = self.node(node.left), self.node(node.comparators[0])
        if not (left.type in NUMBERS and right.type in NUMBERS):
            self.check_choice(left, op, right)
        return Node("compare", "boolean", op, (left, right))

    def check_choice(self, left: Node, op: type[ast.cmpop], right: Node) -> None:
        pair = {left.type, right.type}
        if pair != {"choice", "name"}:
            raise self.fail(f"cannot compare {left.type} with {right.type}")
        if op not in (ast.Eq, ast.NotEq):
            raise self.fail("choices are compared with == or != only")
        key, choice = (left, right) if left.type == "choice" else (right, left)
        if choice.value not in self.keys.choices[str(key.value)]:
            raise self.fail(f"{choice.value!r} is not a choice of {key.value}")


def parse_expression(text: str, keys: RuleKeys) -> Node:
    """The checked expression; RuleSyntaxError says what is outside the language."""
    return _Checker(text, keys).parse()


def evaluate(node: Node, values: Mapping[str, object], given: Collection[str]) -> object:
    """The value of a checked expression for one set of hardware values."""
    if node.kind == "literal" or node.kind == "choice":
        return node.value
    if node.kind == "key":
        value = values[str(node.value)]
        return float(value) if node.type == "real" else value  # type: ignore[arg-type]
    if node.kind == "given":
        return node.value in given
    if node.kind == "not":
        return not evaluate(node.args[0], values, given)
    if node.kind == "and":
        return all(evaluate(a, values, given) for a in node.args)
    if node.kind == "or":
        return any(evaluate(a, values, given) for a in node.args)
    if node.kind == "power":
        return int(evaluate(node.args[0], values, given)) ** int(  # type: ignore[call-overload]
            evaluate(node.args[1], values, given))
    left, right = (evaluate(a, values, given) for a in node.args)
    return COMPARISONS[node.value](left, right)  # type: ignore[index]


def format_value(value: object, kind: str) -> str:
    """A value as the estimator's messages show it (reals to 6 significant digits)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "integer":
        return str(int(value))  # type: ignore[call-overload]
    if kind == "real":
        return f"{float(value):g}"  # type: ignore[arg-type]
    return str(value)


@dataclass(frozen=True)
class Rule:
    """One declared rule: the key it blames, its condition and its message, all checked."""

    key: str
    holds: str
    message: str
    condition: Node
    placeholders: tuple[Node, ...]

    @classmethod
    def parse(cls, declared: Mapping[str, str], keys: RuleKeys) -> Rule:
        key, holds, message = declared["key"], declared["holds"], declared["message"]
        if key not in keys.types:
            raise RuleSyntaxError(f"hardware rule for {key!r}: not a hardware key")
        condition = parse_expression(holds, keys)
        if condition.type != "boolean":
            raise RuleSyntaxError(f"rule expression {holds!r} is not true/false")
        if PLACEHOLDER.sub("", message).count("{") or PLACEHOLDER.sub("", message).count("}"):
            raise RuleSyntaxError(f"rule message {message!r}: unmatched brace")
        placeholders = tuple(parse_expression(p, keys) for p in PLACEHOLDER.findall(message))
        return cls(key, holds, message, condition, placeholders)

    def holds_for(self, values: Mapping[str, object], given: Collection[str]) -> bool:
        return bool(evaluate(self.condition, values, given))

    def format(self, values: Mapping[str, object], given: Collection[str]) -> str:
        shown = iter([format_value(evaluate(p, values, given), p.type)
                      for p in self.placeholders])
        return PLACEHOLDER.sub(lambda _: next(shown), self.message)


def rules_from_schema(schema: Mapping) -> list[Rule]:
    """The schema's `x-rules`, parsed and checked against its keys."""
    keys = RuleKeys.from_schema(schema)
    return [Rule.parse(declared, keys) for declared in schema.get("x-rules", [])]


def first_broken(rules: list[Rule], values: Mapping[str, object],
                 given: Collection[str]) -> tuple[Rule, str] | None:
    """The first rule `values` break and its message, or None when all hold."""
    for rule in rules:
        if not rule.holds_for(values, given):
            return rule, rule.format(values, given)
    return None


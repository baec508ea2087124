"""Gnocchi's resource search: the JSON form (`{"=": {"id": "x"}}`, `{"and": [...]}`) and the string form the
CLI sends as `?filter=` (`id=x and started_at>'2026-01-01'`), both evaluated over a rendered resource."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from lab.cloud.errors import BadRequest

COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "==": lambda a, b: a == b, "eq": lambda a, b: a == b,
    "!=": lambda a, b: a != b, "≠": lambda a, b: a != b, "ne": lambda a, b: a != b,
    "<": lambda a, b: a is not None and a < b, "lt": lambda a, b: a is not None and a < b,
    ">": lambda a, b: a is not None and a > b, "gt": lambda a, b: a is not None and a > b,
    "<=": lambda a, b: a is not None and a <= b, "le": lambda a, b: a is not None and a <= b,
    "≤": lambda a, b: a is not None and a <= b,
    ">=": lambda a, b: a is not None and a >= b, "ge": lambda a, b: a is not None and a >= b,
    "≥": lambda a, b: a is not None and a >= b,
    "in": lambda a, b: a in b,
    "like": lambda a, b: a is not None and re.fullmatch(
        re.escape(str(b)).replace("%", ".*").replace("_", "."), str(a)) is not None,
}
LOGIC = ("and", "or", "∧", "∨", "not", "¬")
_TOKEN = re.compile(r"\s*(?:(\()|(\))|('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(==|!=|<=|>=|=|<|>|≠|≤|≥)|"
                    r"([^\s()=!<>'\"≠≤≥]+))")


def _invalid(why: str) -> BadRequest:
    return BadRequest(f"Invalid input: {why}")


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return value
    return value


def matches(query: Any, resource: dict[str, Any]) -> bool:
    """Whether the rendered `resource` satisfies the JSON-form `query` ({} matches all)."""
    if not query:
        return True
    if not isinstance(query, dict) or len(query) != 1:
        raise _invalid("extra keys not allowed")
    ((op, arg),) = query.items()
    op = op.lower()
    if op in ("and", "∧"):
        return all(matches(q, resource) for q in _list(arg))
    if op in ("or", "∨"):
        return any(matches(q, resource) for q in _list(arg))
    if op in ("not", "¬"):
        return not matches(arg, resource)
    if op not in COMPARE or not isinstance(arg, dict) or len(arg) != 1:
        raise _invalid(f"Unknown operator or bad argument: {op}")
    ((field, value),) = arg.items()
    if field not in resource:
        raise _invalid(f"Unknown attribute {field}")
    mine = _comparable(resource[field])
    if op == "in":
        return mine in [_comparable(v) for v in _list(value)]
    return COMPARE[op](mine, _comparable(value))


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid("expected a list")
    return value


def parse_filter(text: str) -> dict[str, Any]:
    """The string form as the JSON form: `a=1 and (b!=2 or not c like 'x%')`."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _invalid(f"Invalid filter: {text}")
        pos = m.end()
        kind = ("(" if m.group(1) else ")" if m.group(2) else "str" if m.group(3) else "op" if m.group(4)
                else "word")
        value = next(g for g in m.groups() if g is not None)
        if kind == "str":
            value = value[1:-1]
        if kind == "word" and value.lower() in (*COMPARE, *LOGIC):
            kind = "op" if value.lower() in COMPARE else value.lower()
        tokens.append((kind, value))
    parser = _Parser(tokens, text)
    tree = parser.expr()
    if parser.i != len(tokens):
        raise _invalid(f"Invalid filter: {text}")
    return tree


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str):
        self.tokens, self.text, self.i = tokens, text, 0

    def _peek(self) -> str:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else ""

    def _take(self) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise _invalid(f"Invalid filter: {self.text}")
        self.i += 1
        return self.tokens[self.i - 1]

    def expr(self) -> dict[str, Any]:
        left = self.term()
        ors = [left]
        while self._peek() in ("or", "∨"):
            self._take()
            ors.append(self.term())
        return ors[0] if len(ors) == 1 else {"or": ors}

    def term(self) -> dict[str, Any]:
        ands = [self.factor()]
        while self._peek() in ("and", "∧"):
            self._take()
            ands.append(self.factor())
        return ands[0] if len(ands) == 1 else {"and": ands}

    def factor(self) -> dict[str, Any]:
        kind, _ = self._take()
        if kind in ("not", "¬"):
            return {"not": self.factor()}
        if kind == "(":
            inner = self.expr()
            if self._take()[0] != ")":
                raise _invalid(f"Invalid filter: {self.text}")
            return inner
        if kind != "word":
            raise _invalid(f"Invalid filter: {self.text}")
        field = self.tokens[self.i - 1][1]
        op_kind, op = self._take()
        if op_kind != "op":
            raise _invalid(f"Invalid filter: {self.text}")
        vkind, value = self._take()
        if vkind not in ("word", "str"):
            raise _invalid(f"Invalid filter: {self.text}")
        parsed: Any = value
        if vkind == "word":
            parsed = None if value == "null" else _number(value)
        return {op.lower(): {field: parsed}}


def _number(value: str) -> Any:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value

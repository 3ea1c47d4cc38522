"""The customizer comment after a parameter (`x = 5; // [0:10]`): OpenSCAD's small lexer and grammar.

Follows OpenSCAD's comment_lexer.l and comment_parser.y: a number (a spin-box step, or a text length), a
word, a range `[min:max]` or `[min:step:max]`, or a list of items `[a, b, 10:Label, ...]`. Anything else
reads as no widget at all, as in OpenSCAD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Range:
    """`[start:end]` or `[start:step:end]` in a customizer comment."""

    start: float
    end: float
    step: float | None = None


_NUMBER_FORMS = (re.compile(r"[+-]?\d+(?:[Ee][-+]?\d+)?"), re.compile(r"[+-]?\d*\.\d+(?:[Ee][-+]?\d+)?"),
                 re.compile(r"[+-]?\d+\.\d*(?:[Ee][-+]?\d+)?"))
_WORD = re.compile(r'[^(\[ \],":)]+')
_COMMENT_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}


def comment_tokens(comment: str) -> list[tuple[str, Any]]:
    """Tokens of a customizer comment: ("num", float), ("word", str) or (punctuation, None).

    As in flex, the longest match wins, and a tie goes to the earlier rule (number, punctuation, blank,
    word): `45°` and `M0.25x0.075` are words, `10` and `.5` are numbers. Parentheses are dropped.
    """
    tokens: list[tuple[str, Any]] = []
    i = 0
    while i < len(comment):
        char = comment[i]
        if char == '"':
            i, word = _quoted_word(comment, i + 1)
            tokens.append(("word", word))
            continue
        number_length = max((len(m.group()) for p in _NUMBER_FORMS if (m := p.match(comment, i))), default=0)
        word_match = _WORD.match(comment, i)
        word_length = len(word_match.group()) if word_match else 0
        punctuation_length = 1 if char in "[]:," else 0
        blank_length = 1 if char in " \t" else 0
        best = max(number_length, punctuation_length, blank_length, word_length)
        if best == 0:
            i += 1  # "(" and ")": OpenSCAD's lexer skips them
        elif number_length == best:
            tokens.append(("num", float(comment[i:i + best])))
        elif punctuation_length == best:
            tokens.append((char, None))
        elif blank_length == best:
            pass
        else:
            tokens.append(("word", comment[i:i + best]))
        i += best or 1
    return tokens


def parse_annotation(comment: str) -> Any:
    """The widget described by a customizer comment, or None if it does not follow the grammar.

    A float (`// 0.5`, `// 20`), a word (`// some text`), a Range (`// [0:100]`, `// [0:5:100]`) or a list of
    items (`// [10, 20]`, `// [a, b]`, `// [10:Small, 20:Large]`), each item a float, a str or a
    (value, label) pair.
    """
    tokens = comment_tokens(comment)
    if not tokens:
        return None
    kinds = [kind for kind, _ in tokens]
    if kinds[0] != "[":
        run = _run(tokens, 0)
        return run[0] if run is not None and run[1] == len(tokens) else None
    if kinds == ["[", "num", ":", "num", "]"]:
        return Range(start=tokens[1][1], end=tokens[3][1])
    if kinds == ["[", "num", ":", "num", ":", "num", "]"]:
        return Range(start=tokens[1][1], step=tokens[3][1], end=tokens[5][1])
    items: list[Any] = []
    i = 1
    while True:
        run = _run(tokens, i)
        if run is None:
            return None
        value, i = run
        if i < len(tokens) and tokens[i][0] == ":":
            label = _run(tokens, i + 1)
            if label is None:
                return None
            label_value, i = label
            items.append((value, label_value if isinstance(label_value, str) else format_number(label_value)))
        else:
            items.append(value)
        if i < len(tokens) and tokens[i][0] == ",":
            i += 1
            continue
        if i == len(tokens) - 1 and tokens[i][0] == "]":
            return items
        return None


def format_number(value: float) -> str:
    """A number as OpenSCAD writes it into a label (C++ stream default: 6 significant digits)."""
    return f"{value:g}"


def _run(tokens: list[tuple[str, Any]], start: int) -> tuple[Any, int] | None:
    """A number, or a word made of every number and word token from `start` on (at least one word)."""
    end = start
    while end < len(tokens) and tokens[end][0] in ("num", "word"):
        end += 1
    run = tokens[start:end]
    if not run:
        return None
    if len(run) == 1 and run[0][0] == "num":
        return run[0][1], end
    if all(kind == "num" for kind, _ in run):
        return None
    return " ".join(value if kind == "word" else format_number(value) for kind, value in run), end


def _quoted_word(comment: str, i: int) -> tuple[int, str]:
    out = []
    while i < len(comment):
        char = comment[i]
        if char == '"':
            return i + 1, "".join(out)
        if char == "\\":
            following = comment[i + 1:i + 2]
            if following in _COMMENT_ESCAPES and following:
                out.append(_COMMENT_ESCAPES[following])
                i += 2
            else:
                i += 1  # flex drops a backslash it has no rule for
            continue
        out.append(char)
        i += 1
    return i, "".join(out)

"""Reading a `.scad` file the way OpenSCAD's customizer does, without running OpenSCAD.

The rules follow OpenSCAD's own reader (src/core/customizer: CommentParser, comment_lexer.l,
comment_parser.y, ParameterObject) and its manual:
- a parameter is a top-level assignment of a literal (number, string, boolean, or a vector of up to four
  numbers) in the main file, on a line before the first `{` of the file (comments aside; a `{` inside a
  string counts too, as in OpenSCAD);
- its widget comes from the `// ...` comment on the same line (a number, a `[min:max]` or
  `[min:step:max]` range, a `[max]`, or a list `[a, b, 10:Label, ...]`; see `openscad_annotations`);
- its description is the `//` comment on the line directly above, starting in the first column;
- its group is the last one-line `/* [Group] */` comment on an earlier line (several `[..]` in one comment
  are joined with `-`).
This module only finds those pieces; `parametric_designs.openscad` turns them into a ParameterSchema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from parametric_designs.openscad_annotations import parse_annotation

# A value that is an expression (`a + 1`, `str(...)`), an `undef` or a range: never a parameter.
NOT_LITERAL = object()

_KEYWORDS = {"module", "function", "if", "else", "for", "intersection_for", "let", "each", "assert", "echo",
             "include", "use", "true", "false", "undef"}
_SOURCE_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\f\v]+)
      | (?P<newline>\n)
      | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
      | (?P<include>(?:include|use)[ \t\r\n]*<[^\t\r\n>]*>)
      | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<ident>\$?[A-Za-z_][A-Za-z0-9_]*)
      | (?P<string>"(?:[^"\\]|\\.)*(?:"|\Z))
      | (?P<op>==|!=|<=|>=|&&|\|\||.)""",
    re.VERBOSE | re.DOTALL,
)
_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}
_INCLUDE = re.compile(r"\b(?:include|use)[ \t\r\n]*<([^\t\r\n>]*)>")


@dataclass(frozen=True)
class Assignment:
    """A top-level literal assignment that OpenSCAD would offer as a parameter (before Hidden is applied).

    `value` is a float, str, bool or tuple of floats. `annotation` is the parsed widget comment: a float (a
    step, or a text length), a str (a word), a list of dropdown items (float, str, or (value, label)), a
    Range, or None. `group` is None when no group comment comes before the assignment.
    """

    name: str
    value: Any
    line: int
    comment: str
    annotation: Any
    description: str
    group: str | None


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int


def customizer_assignments(text: str) -> list[Assignment]:
    """The assignments OpenSCAD's customizer would read from `text`, in the order it shows them."""
    text = normalise(text)
    lines = text.split("\n")
    stop = stop_line(text)
    groups = group_comments(text)
    found = []
    for name, line, tokens in top_level_assignments(text):
        if line >= stop:
            continue
        value = literal_value(tokens)
        if value is NOT_LITERAL:
            continue
        comment = trailing_comment(lines, line)
        group = None
        for group_line, group_name in reversed(groups):
            if group_line < line:
                group = group_name
                break
        found.append(Assignment(name=name, value=value, line=line, comment=comment,
                                annotation=parse_annotation(comment) if comment.strip() else None,
                                description=description_above(lines, line), group=group))
    return found


def normalise(text: str) -> str:
    """Text with a byte-order mark removed and Windows or old Mac line ends made `\\n` (line numbers kept)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def included_files(text: str) -> list[str]:
    """The paths named by `include <...>` and `use <...>` statements, in order (comments ignored)."""
    return [m.group(1) for m in _INCLUDE.finditer(_without_comments(text))]


def _code_marks(text: str) -> Iterator[tuple[str, int, str]]:
    """Walk the source as OpenSCAD's lexer sees strings and comments, yielding what the customizer reads:
    ("brace", line, "") for each `{` outside comments, ("block", line, body) for each `/* ... */` comment
    outside strings (line = where it starts)."""
    line = 1
    in_string = False
    i = 0
    size = len(text)
    while i < size:
        char = text[i]
        if char == "\n":
            line += 1
        elif in_string and text.startswith('\\"', i):
            i += 1
        elif char == '"':
            in_string = not in_string
        elif not in_string and text.startswith("//", i):
            end = text.find("\n", i)
            i = size if end < 0 else end
            continue
        elif not in_string and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = size if end < 0 else end
            body = text[i + 2:end]
            yield "block", line, body
            line += body.count("\n")
            i = end + 2
            continue
        elif char == "{":  # OpenSCAD does not look at in_string here: a "{" in a string stops parameters too
            yield "brace", line, ""
        i += 1


def stop_line(text: str) -> int:
    """The 1-based line of the first `{` outside comments: parameters must come before that line."""
    for kind, line, _ in _code_marks(text):
        if kind == "brace":
            return line
    return text.count("\n") + 2  # no "{": every line is before it


def group_comments(text: str) -> list[tuple[int, str]]:
    """Every one-line `/* ... */` comment outside strings, as (line, group name), in file order.

    The name is the text of every `[...]` in the comment joined with `-` (OpenSCAD's rule); a comment
    without brackets yields an empty name.
    """
    return [(line, "-".join(re.findall(r"\[(.*?)\]", body)))
            for kind, line, body in _code_marks(text) if kind == "block" and "\n" not in body]


def trailing_comment(lines: list[str], line: int) -> str:
    """The text after `//` on `line` (1-based), or "" if there is none or the line holds two statements."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    in_string = False
    semicolons = 0
    i = 0
    while i < len(text) - 1:
        if in_string and text.startswith('\\"', i):
            i += 2
            continue
        if text[i] == '"':
            in_string = not in_string
        elif not in_string:
            if text.startswith("//", i):
                return text[i + 2:]
            if text[i] == ";":
                semicolons += 1
                if semicolons > 1:
                    return ""
        i += 1
    return ""


def description_above(lines: list[str], line: int) -> str:
    """The `//` comment on the line above `line`, if that line starts with `//` in its first column."""
    if line < 2:
        return ""
    above = lines[line - 2]
    if not above.startswith("//"):
        return ""
    return above[2:].lstrip(" \t").replace("//", " ").strip()


def top_level_assignments(text: str) -> list[tuple[str, int, list[_Token]]]:
    """Each variable assigned at the top level: (name, line of its last assignment, value tokens).

    Variables are listed in the order of their first assignment; a later assignment at the top level
    replaces the value (OpenSCAD's last-assignment-wins rule, with the position of the first).
    """
    tokens = _tokens(text)
    found: dict[str, tuple[int, list[_Token]]] = {}
    braces = 0
    nesting = 0
    at_start = True
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (at_start and braces == 0 and token.kind == "ident" and token.text not in _KEYWORDS
                and i + 1 < len(tokens) and tokens[i + 1].text == "="):
            end = _statement_end(tokens, i + 2)
            found[token.text] = (token.line, tokens[i + 2:end])
            i = end + 1
            continue
        at_start = False
        if token.kind == "include":
            at_start = True
        elif token.kind == "op":
            if token.text in "([":
                nesting += 1
            elif token.text in ")]":
                nesting = max(0, nesting - 1)
            elif token.text == "{":
                braces += 1
                at_start = True
            elif token.text == "}":
                braces = max(0, braces - 1)
                at_start = True
            elif token.text == ";" and nesting == 0:
                at_start = True
        i += 1
    return [(name, line, value) for name, (line, value) in found.items()]


def literal_value(tokens: list[_Token]) -> Any:
    """The value of a literal expression (float, str, bool, tuple of floats), or NOT_LITERAL.

    A negative number counts as a literal, as in OpenSCAD since mid-2021 (2021.01 itself did not offer
    variables like `x = -5;` in its customizer, but it does accept `-D x=-5`).
    """
    texts = [t.text for t in tokens]
    if len(tokens) == 1:
        token = tokens[0]
        if token.kind == "number":
            return float(token.text)
        if token.kind == "string":
            return decode_string(token.text)
        if texts[0] in ("true", "false"):
            return texts[0] == "true"
        return NOT_LITERAL
    number = _signed_number(tokens)
    if number is not None:
        return number
    if len(tokens) >= 2 and texts[0] == "[" and texts[-1] == "]":
        inner = tokens[1:-1]
        if not inner:
            return NOT_LITERAL
        items: list[float] = []
        element: list[_Token] = []
        for token in [*inner, _Token("op", ",", 0)]:
            if token.text != ",":
                element.append(token)
                continue
            if len(element) == 1 and element[0].kind == "number":
                items.append(float(element[0].text))
            elif (negative := _signed_number(element)) is not None:
                items.append(negative)
            else:
                return NOT_LITERAL
            element = []
        return tuple(items)
    return NOT_LITERAL


def decode_string(token: str) -> str:
    """The value of an OpenSCAD string literal token (with its quotes)."""
    body = token[1:-1] if len(token) >= 2 and token.endswith('"') else token[1:]
    out = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 >= len(body):
            out.append(char)
            i += 1
            continue
        following = body[i + 1]
        if following in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[following])
            i += 2
        elif following == "x" and re.fullmatch(r"[0-7][0-9a-fA-F]", body[i + 2:i + 4]):
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif following in "uU" and re.fullmatch(r"[0-9a-fA-F]+", body[i + 2:i + (6 if following == "u" else 8)]):
            digits = body[i + 2:i + (6 if following == "u" else 8)]
            out.append(chr(min(int(digits, 16), 0x10FFFF)))
            i += 2 + len(digits)
        else:
            out.append(char)
            i += 1
    return "".join(out)


def encode_string(value: str) -> str:
    """`value` as an OpenSCAD string literal that reads back as exactly `value`."""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def _signed_number(tokens: list[_Token]) -> float | None:
    if len(tokens) == 2 and tokens[0].text == "-" and tokens[1].kind == "number":
        return -float(tokens[1].text)
    return None


def _statement_end(tokens: list[_Token], i: int) -> int:
    nesting = 0
    while i < len(tokens):
        text = tokens[i].text
        if tokens[i].kind == "op":
            if text in "([{":
                nesting += 1
            elif text in ")]}":
                nesting -= 1
                if nesting < 0:
                    return i
            elif text == ";" and nesting == 0:
                return i
        i += 1
    return i


def _tokens(text: str) -> list[_Token]:
    tokens = []
    line = 1
    for match in _SOURCE_TOKEN.finditer(text):
        kind = match.lastgroup
        token = match.group()
        if kind not in ("space", "newline", "comment"):
            tokens.append(_Token(kind, token, line))
        line += token.count("\n")
    return tokens


def _without_comments(text: str) -> str:
    return "".join(m.group() if m.lastgroup != "comment" else "\n" * m.group().count("\n")
                   for m in _SOURCE_TOKEN.finditer(text))

r"""Read the symbols out of a page's math, and check each against the notation records.

A small tokenizer for the LaTeX the book writes (not a LaTeX parser): it finds every symbol
(a letter, a Greek letter, an accented letter, an operator name, ⋆ or ∗) with the subscript
and superscript attached to it, and names it by the key derivations.notation uses. A
subscript is checked slot by slot (slots are separated by top-level commas) against the
record's signatures, so `W_X` (a kernel indexed by an array), `C_{\text{in}}` (the cost with
a subscript) or `X_{n,c,\dots}` (a kernel column where an example index belongs) are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivations.notation import BY_KEY

GREEK = {r"\alpha", r"\beta", r"\delta", r"\theta", r"\ell", r"\gamma", r"\mu", r"\sigma",
         r"\varepsilon", r"\eta"}
OPERATOR_SYMBOLS = {r"\star", r"\ast"}
ACCENTS = {r"\tilde", r"\hat"}
# Commands that are typography or fixed operators, never one of the book's symbols.
NEUTRAL = {
    r"\frac", r"\dfrac", r"\tfrac", r"\partial", r"\sum", r"\max", r"\min", r"\cdot",
    r"\dots", r"\ldots", r"\cdots", r"\vdots", r"\ddots", r"\times", r"\le", r"\ge",
    r"\leq", r"\geq", r"\neq", r"\pm", r"\mp", r"\mapsto", r"\to", r"\in", r"\quad",
    r"\qquad", r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\lvert",
    r"\rvert", r"\lfloor", r"\rfloor", r"\approx", r"\top", r"\overset", r"\infty",
    r"\not", r"\mid", r"\colon", r"\sqrt", r"\;", r"\,", r"\!", r"\:", r"\\", r"\{", r"\}", r"\|",
    r"\lbrace", r"\rbrace", r"\langle", r"\rangle", r"\equiv", r"\sim", r"\prime",
    r"\leftarrow", r"\ni",
}
# Commands whose braced argument is not mathematics to scan.
OPAQUE = {r"\text", r"\mathrm", r"\label", r"\eqref", r"\begin", r"\end", r"\num", r"\lit",
          r"\operatorname", r"\textbf", r"\textit", r"\mathit"}

# Operators whose subscript binds index letters: Σ_{u,v}, max_{0 ≤ m, n < K}.
BOUND = {r"\sum", r"\max", r"\min"}
BOUND_LETTERS = set("acmnuvefgjkl") | set("sdpMNKBD")

TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]|[0-9]|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class Use:
    """One symbol as a page writes it: its key, and the raw subscript and superscript."""

    key: str
    subscript: str | None
    superscript: str | None
    source: str  # the math it was found in, for the error message


def _group(tokens: list[str], start: int) -> tuple[str, int]:
    """The braced group starting at tokens[start] ('{'), without braces; and the next index."""
    depth, index = 0, start
    while index < len(tokens):
        if tokens[index] == "{":
            depth += 1
        elif tokens[index] == "}":
            depth -= 1
            if depth == 0:
                return "".join(tokens[start + 1 : index]), index + 1
        index += 1
    raise ValueError(f"unbalanced braces in {''.join(tokens)!r}")


def _argument(tokens: list[str], index: int) -> tuple[str, int]:
    """A script's or command's argument: a braced group, or the single next token."""
    while index < len(tokens) and tokens[index].isspace():
        index += 1
    if index >= len(tokens):
        return "", index
    if tokens[index] == "{":
        return _group(tokens, index)
    if tokens[index] in OPAQUE:  # e.g. X_\text{col}
        body, after = _argument(tokens, index + 1)
        return tokens[index] + "{" + body + "}", after
    return tokens[index], index + 1


TEXT_LABEL = re.compile(r"^\s*\\text\{([^{}]*)\}\s*$")
PAREN_LABEL = re.compile(r"^\s*\((\w)\)\s*$")


def uses(latex: str) -> list[Use]:
    """Every symbol in latex, in order, scripts included (nested symbols found too)."""
    tokens = [t for t in TOKEN.findall(latex)]
    found: list[Use] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        base: str | None = None
        if token in OPAQUE:
            body, index = _argument(tokens, index + 1)
            if token == r"\operatorname":
                base = "op:" + body.strip()
            elif token == r"\begin" and body.strip() == "array":
                _, index = _argument(tokens, index)  # the column spec, {l} or {ll}
                continue
            else:
                continue
        elif token in ACCENTS:
            inner, index = _argument(tokens, index + 1)
            base = f"{token} {inner.strip()}"
        elif token in GREEK or token in OPERATOR_SYMBOLS or re.fullmatch(r"[A-Za-z]", token):
            base, index = token, index + 1
        elif token in BOUND and index + 1 < len(tokens) and tokens[index + 1] == "_":
            body, index = _argument(tokens, index + 2)
            found.append(Use(token, body, None, latex))
            found.extend(uses(body))
            continue
        else:
            index += 1
            if token in ("_", "^"):  # a script on a bracket or a number: scan its letters
                body, index = _argument(tokens, index)
                found.extend(uses(body))
            elif token.startswith("\\") and len(token) > 2 and token not in NEUTRAL:
                raise ValueError(f"unknown command {token} in {latex!r}")
            continue
        subscript = superscript = None
        while index < len(tokens) and tokens[index] in ("_", "^", "'"):
            mark = tokens[index]
            if mark == "'":
                index += 1
                continue
            body, index = _argument(tokens, index + 1)
            if mark == "_":
                subscript = body
            else:
                superscript = body
        found.append(_identify(base, subscript, superscript, latex))
        for script in (subscript, superscript):
            if script and not TEXT_LABEL.match(script):
                found.extend(uses(script))
    return found


def _identify(base: str, subscript: str | None, superscript: str | None, source: str) -> Use:
    """Fold a label the symbol always carries (X_col, X^pad, δ^(s), ⋆_full) into its key."""
    if subscript and (label := TEXT_LABEL.match(subscript)):
        key = f"{base}_{label.group(1)}"
        if key in BY_KEY:
            return Use(key, None, superscript, source)
    if superscript and (label := TEXT_LABEL.match(superscript) or PAREN_LABEL.match(superscript)):
        text = label.group(1)
        key = f"{base}^{text}" if TEXT_LABEL.match(superscript) else f"{base}^({text})"
        if key in BY_KEY:
            return Use(key, subscript, None, source)
    return Use(base, subscript, superscript, source)


def _top_level(expression: str) -> list[Use]:
    """The symbols at the top level of an expression (not inside another symbol's script)."""
    top: list[Use] = []
    all_uses = uses(expression)
    # uses() lists a symbol, then everything inside its scripts: skip those.
    index = 0
    while index < len(all_uses):
        use = all_uses[index]
        top.append(use)
        inner = sum(len(uses(s)) for s in (use.subscript, use.superscript)
                    if s and not TEXT_LABEL.match(s))
        index += 1 + inner
    return top


def split_slots(subscript: str) -> list[str]:
    """A subscript's slots: split at commas outside braces, spacing commands dropped."""
    text = re.sub(r"\\[,;!: ]|\\quad|\\qquad", "", subscript)
    slots, depth, current = [], 0, ""
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == "," and depth == 0:
            slots.append(current)
            current = ""
        else:
            current += char
    slots.append(current)
    return [slot.strip() for slot in slots]


def problems(use: Use) -> list[str]:
    """What is wrong with one use of a symbol, by its record; empty when it is fine."""
    if use.key in BOUND:
        letters = {inner.key for inner in _top_level(use.subscript or "")}
        if not letters <= BOUND_LETTERS:
            return [f"{use.key}_{{{use.subscript}}} binds {sorted(letters - BOUND_LETTERS)}, "
                    f"which are not index letters (in {use.source.strip()!r})"]
        return []
    record = BY_KEY.get(use.key)
    if record is None:
        return [f"{use.key!r} is not in the notation table (in {use.source.strip()!r})"]
    found = []
    if use.superscript is not None:
        tokens = [t for t in TOKEN.findall(re.sub(r"\\lit\{([^{}]*)\}", r"\1", use.superscript))
                  if not t.isspace() and t not in "{}()+-'" and t != r"\prime"]
        wrong = [t for t in tokens if t not in record.superscripts]
        if wrong:
            found.append(f"{use.key} has superscript {use.superscript!r}, allowed "
                         f"{record.superscripts} (in {use.source.strip()!r})")
    if use.subscript is not None:
        slots = split_slots(re.sub(r"\\(?:lit|num)\{([^{}]*)\}", r"\1", use.subscript))
        signatures = record.signatures + (record.with_layer if use.superscript else ())
        if not any(_fits(slots, signature, record.one_based) for signature in signatures):
            found.append(f"{use.key}_{{{use.subscript}}} fits none of its subscripts "
                         f"{record.signatures} (in {use.source.strip()!r})")
    return found


def _fits(slots: list[str], signature: tuple[str, ...], one_based: bool) -> bool:
    if len(slots) != len(signature):
        return False
    for slot, allowed in zip(slots, signature, strict=True):
        if "\\text" in slot:  # a word where an index belongs: C_{\text{in}}
            return False
        if re.fullmatch(r"[0-9]+", slot):
            if one_based and int(slot) == 0:
                return False
            continue
        letters = {use.key for use in _top_level(slot)}
        if not letters <= set(allowed) | set("sdpMN"):
            return False
    return True


# --- finding the math on a page -------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
DISPLAY = re.compile(r"^[ \t]*\$\$(.*?)\$\$[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\$)")
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def math_of(markdown: str) -> list[str]:
    """The LaTeX of every display and inline formula of a page, code left out."""
    text = FRONT_MATTER.sub("", markdown)
    text = FENCE.sub("", text)
    text = CODE_SPAN.sub("", text)
    displays = DISPLAY.findall(text)
    text = DISPLAY.sub("", text)
    return displays + INLINE.findall(text)


def page_uses(markdown: str) -> list[Use]:
    return [use for latex in math_of(markdown) for use in uses(latex)]

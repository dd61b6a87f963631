r"""Python-Markdown extension: LaTeX math rendered to MathML when the page is built.

Why build time: the site must render with no network and no JavaScript, fast on a slow
machine, and the equation anchors must exist in the static HTML so `page/#eq-…` works
before any script runs. MathML Core renders natively in current browsers.

Syntax (a plain Python-Markdown extension, so any mkdocs.yml-compatible builder can use it):

- `$…$` inline math; `$$ … $$` display math on lines of their own.
- `\label{eq-name}` inside display math numbers it, AMS style, and gives it id `eq-name`;
  `\eqref{eq-name}` (in prose or math) links to it as "(n)".
- `\num{-3}` marks a computed number (from derivations.render.printed_numbers); `\lit{2}` declares a
  number that is notation. The audit reads these marks back from the built HTML.

Option `rendered`: a dict from `memo_key(...)` to MathML, consulted before converting and
filled after. A formula repeated on a page, or across pages, is converted once; the build hook
passes a dict that it keeps between builds (derivations/publish/build_cache.py), keyed by this
file's source and latex2mathml's, so this module must import nothing else of ours (tested).
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Container, Iterator

from markdown import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

LABEL = re.compile(r"\\label\{([^{}]*)\}")
EQREF = re.compile(r"\\eqref\{(eq-[a-z0-9-]+)\}")
MARKED_NUMBER = re.compile(r"\\(num|lit)\{([^{}]*)\}")
PLACEHOLDER = "\u27e6{}\u27e7"  # ⟦n⟧: survives latex2mathml as <mtext>⟦n⟧</mtext>
VALID_LABEL = re.compile(r"eq-[a-z0-9]+(?:-[a-z0-9]+)*")
DISPLAY_OPEN = re.compile(r"^(?P<indent>[ \t]*)\$\$(?P<rest>.*)$")
MINUS_SIGN = "\u2212"
EQ_OPEN, EQ_CLOSE = "\ue000", "\ue001"  # private-use sentinels around an equation's label
EQ_PARAGRAPH = re.compile(f"{EQ_OPEN}(eq-[a-z0-9-]*|){EQ_CLOSE}(.*)", re.DOTALL)


class MathSyntaxError(ValueError):
    """LaTeX the renderer cannot turn into MathML (reported with the offending source)."""


def render_latex(latex: str, display: bool, equation_numbers: dict[str, int]) -> str:
    """Convert LaTeX to a MathML string, turning \\num/\\lit/\\eqref marks into markup."""
    marks: list[str] = []

    def stash(markup: str) -> str:
        marks.append(markup)
        return r"\text{" + PLACEHOLDER.format(len(marks) - 1) + "}"

    def mark_number(match: re.Match) -> str:
        kind, text = match.group(1), match.group(2).strip()
        if not re.fullmatch(r"-?[0-9]+(?:\.[0-9]+)?(?:/[0-9]+)?", text):
            raise MathSyntaxError(f"\\{kind}{{{text}}} does not hold a plain number")
        shown = html.escape(text.replace("-", MINUS_SIGN))
        return stash(f'<mn class="{kind}">{shown}</mn>')

    def mark_eqref(match: re.Match) -> str:
        label = match.group(1)
        if label not in equation_numbers:
            raise MathSyntaxError(f"\\eqref{{{label}}} names no \\label on this page")
        number = equation_numbers[label]
        return stash(
            f'<mrow><mo>(</mo><mn class="eq-num">{number}</mn><mo>)</mo></mrow>'
        )

    body = LABEL.sub("", latex)
    body = MARKED_NUMBER.sub(mark_number, body)
    body = EQREF.sub(mark_eqref, body)
    # Imported here: a build whose every formula is already rendered never pays for it.
    from latex2mathml.converter import convert as latex_to_mathml

    try:
        mathml = latex_to_mathml(body.strip(), display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many types; the source is what helps
        raise MathSyntaxError(f"cannot render LaTeX {latex.strip()!r}: {error}") from error
    for index, markup in enumerate(marks):
        mathml = mathml.replace(f"<mtext>{PLACEHOLDER.format(index)}</mtext>", markup)
    mathml = mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "")
    return attach_primes(mathml) if PRIME_ENTITY.search(mathml) else mathml


def memo_key(latex: str, display: bool, equation_numbers: dict[str, int]) -> str:
    """Everything render_latex's output depends on: the source, the mode, and the numbers of
    the equations it cites (not the whole page's numbering, so a formula is shared widely)."""
    cited = [[label, equation_numbers.get(label)] for label in EQREF.findall(latex)]
    return json.dumps([latex, display, cited], ensure_ascii=False)


def render_memoized(rendered: dict[str, str], latex: str, display: bool,
                    equation_numbers: dict[str, int]) -> str:
    """render_latex through the `rendered` memo (a failure is raised, never remembered)."""
    key = memo_key(latex, display, equation_numbers)
    mathml = rendered.get(key)
    if mathml is None:
        mathml = render_latex(latex, display, equation_numbers)
        rendered[key] = mathml
    return mathml


INLINE_MATH = r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\$)"
FENCE = re.compile(r"^[ \t]*(```|~~~)")
CODE_SPAN = re.compile(r"(`+).+?\1")


def page_formulas(markdown: str) -> list[tuple[str, bool, dict[str, int]]]:
    """(latex, display, the page's equation numbers) of each formula on a Markdown page, as
    the extension will meet them, so that they can be rendered ahead of the page (while the
    build waits for something else). A close reading, not the parser: a formula it finds
    that the page does not hold costs one needless conversion, never a wrong page."""
    lines: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(CODE_SPAN.sub("", line))
    try:
        blocks = DisplayMathPreprocessor._find_blocks(lines)
    except MathSyntaxError:
        return []  # the page's build reports it
    numbers: dict[str, int] = {}
    for _, _, latex, _ in blocks:
        for label in LABEL.findall(latex):
            numbers.setdefault(label, len(numbers) + 1)
    formulas = [(latex, True, numbers) for _, _, latex, _ in blocks]
    in_blocks = {index for start, end, _, _ in blocks for index in range(start, end + 1)}
    prose = "\n".join(line for index, line in enumerate(lines) if index not in in_blocks)
    formulas.extend((match.group(1), False, numbers)
                    for match in re.finditer(INLINE_MATH, prose))
    return formulas


def render_ahead(markdown: str, rendered: Container[str]) -> Iterator[tuple[str, str]]:
    """(memo key, MathML) of each formula of a page that `rendered` lacks; a formula that does
    not convert is left for the page's build, which reports it with its context."""
    for latex, display, numbers in page_formulas(markdown):
        key = memo_key(latex, display, numbers)
        if key in rendered:
            continue
        try:
            mathml = render_latex(latex, display, numbers)
        except MathSyntaxError:
            continue
        yield key, mathml


PRIME_ENTITY = re.compile(r"&#x0203[234];")
PRIMES = {"\u2032", "\u2033", "\u2034"}


def _prime_text(element) -> str | None:
    """The primes an element holds (′, ″, ‴), looking through a one-child <mrow>."""
    if element.tag == "mrow" and len(element) == 1:
        element = element[0]
    text = (element.text or "").strip()
    if element.tag in {"mi", "mo"} and len(element) == 0 and text and set(text) <= PRIMES:
        return text
    return None


def attach_primes(mathml: str) -> str:
    """Write m' as m followed by a prime, not as m with a superscripted prime.

    latex2mathml makes `m'` an <msup> whose script is the prime; but the prime glyph is
    already raised, so browsers draw it raised twice, a tiny tick far above the letter.
    MathML Core's way is the prime as an operator next to its base (`W'_a` keeps its
    subscript on the primed base).
    """
    root = etree.fromstring(mathml)
    for parent in root.iter():
        for index, child in enumerate(list(parent)):
            if child.tag not in {"msup", "msubsup"} or len(child) != (2 if child.tag == "msup"
                                                                      else 3):
                continue
            prime = _prime_text(child[-1])
            if prime is None:
                continue
            primed = etree.Element("mrow")
            primed.append(child[0])
            mark = etree.SubElement(primed, "mo", {"lspace": "0", "rspace": "0"})
            mark.text = prime
            if child.tag == "msup":
                replacement = primed
            else:
                replacement = etree.Element("msub")
                replacement.extend([primed, child[1]])
            replacement.tail = child.tail
            parent[index] = replacement
    return etree.tostring(root, encoding="unicode")


def display_block(latex: str, equation_numbers: dict[str, int],
                  rendered: dict[str, str]) -> tuple[str, str]:
    """(label or "", inner HTML) of one display equation; labelled ones carry their number."""
    labels = LABEL.findall(latex)
    if len(labels) > 1:
        raise MathSyntaxError(f"one \\label per display equation, found {labels}")
    mathml = render_memoized(rendered, latex, True, equation_numbers)
    if not labels:
        return "", mathml
    label = labels[0]
    number = equation_numbers[label]
    link = f'<a class="eq-num" href="#{label}" title="Link to equation ({number})">({number})</a>'
    return label, mathml + link


class DisplayMathPreprocessor(Preprocessor):
    """Finds $$ … $$ blocks (after code fences are stashed) and numbers labelled ones."""

    def run(self, lines: list[str]) -> list[str]:
        blocks = self._find_blocks(lines)
        numbers: dict[str, int] = {}
        for _, _, latex, _ in blocks:
            for label in LABEL.findall(latex):
                if not VALID_LABEL.fullmatch(label):
                    raise MathSyntaxError(f"equation label {label!r} is not of the form eq-words")
                if label in numbers:
                    raise MathSyntaxError(f"equation label {label!r} is used twice on one page")
                numbers[label] = len(numbers) + 1
        self.md.equation_numbers = numbers
        out: list[str] = []
        cursor = 0
        for start, end, latex, indent in blocks:
            out.extend(lines[cursor:start])
            label, inner = display_block(latex, numbers, self.md.rendered_math)
            placeholder = self.md.htmlStash.store(inner)
            # A paragraph of its own, turned into <div class="equation" id=…> by
            # EquationTreeprocessor, so the id is a real element (anchor validation, toc).
            out.extend(["", f"{indent}{EQ_OPEN}{label}{EQ_CLOSE}{placeholder}", ""])
            cursor = end + 1
        out.extend(lines[cursor:])
        return out

    @staticmethod
    def _find_blocks(lines: list[str]) -> list[tuple[int, int, str, str]]:
        blocks = []
        index = 0
        while index < len(lines):
            opening = DISPLAY_OPEN.match(lines[index])
            if not opening:
                index += 1
                continue
            indent, rest = opening.group("indent"), opening.group("rest")
            if rest.rstrip().endswith("$$") and rest.strip() != "":
                blocks.append((index, index, rest.rstrip()[:-2], indent))
                index += 1
                continue
            body = [rest]
            for end in range(index + 1, len(lines)):
                line = lines[end]
                if line.rstrip().endswith("$$"):
                    body.append(line.rstrip()[:-2])
                    blocks.append((index, end, "\n".join(body), indent))
                    index = end + 1
                    break
                body.append(line)
            else:
                raise MathSyntaxError(f"display math opened on line {index + 1} is never closed")
        return blocks


class EquationTreeprocessor(Treeprocessor):
    """Turns the paragraphs DisplayMathPreprocessor left into equation <div>s with ids."""

    def run(self, root):
        for element in root.iter("p"):
            match = EQ_PARAGRAPH.fullmatch((element.text or "").strip())
            if match and len(element) == 0:
                element.tag = "div"
                element.set("class", "equation")
                if match.group(1):
                    element.set("id", match.group(1))
                element.text = match.group(2)


class InlineMathProcessor(InlineProcessor):
    """`$…$` to inline MathML. Runs after code spans, before emphasis eats underscores."""

    def handleMatch(self, m, data):
        mathml = render_memoized(self.md.rendered_math, m.group(1), False,
                                 getattr(self.md, "equation_numbers", {}))
        return self.md.htmlStash.store(mathml), m.start(0), m.end(0)


class EqrefProcessor(InlineProcessor):
    r"""`\eqref{eq-x}` in prose: a link "(n)" to the numbered equation on this page."""

    def handleMatch(self, m, data):
        label = m.group(1)
        numbers = getattr(self.md, "equation_numbers", {})
        if label not in numbers:
            raise MathSyntaxError(f"\\eqref{{{label}}} names no \\label on this page")
        link = etree.Element("a", {"class": "eqref", "href": f"#{label}"})
        link.text = f"({numbers[label]})"
        return link, m.start(0), m.end(0)


class LatexMathExtension(Extension):
    def __init__(self, **kwargs):
        # The default is a fresh dict per extension instance (one page under MkDocs); not None:
        # Markdown would turn a None-default option's value into a bool.
        self.config = {"rendered": [{}, "dict from memo_key() to MathML, kept across pages"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        md.equation_numbers = {}
        md.rendered_math = self.getConfig("rendered")
        # 24: after fenced code (25) is stashed, so `$$` inside code stays code.
        md.preprocessors.register(DisplayMathPreprocessor(md), "latex_display_math", 24)
        # 185: below backticks (190) so code spans win, above escapes/emphasis.
        md.inlinePatterns.register(
            InlineMathProcessor(INLINE_MATH, md),
            "latex_inline_math",
            185,
        )
        # 7: before MkDocs collects anchor ids and toc runs (both 5).
        md.treeprocessors.register(EquationTreeprocessor(md), "latex_equations", 7)
        # 184: after inline math, which renders an \eqref of its own (as "(n)" inside the
        # formula); this one only sees the prose's.
        md.inlinePatterns.register(EqrefProcessor(r"\\eqref\{(eq-[a-z0-9-]+)\}", md), "eqref", 184)

    def reset(self):
        pass


def makeExtension(**kwargs):
    return LatexMathExtension(**kwargs)

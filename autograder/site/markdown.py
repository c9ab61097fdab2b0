"""Small readers of the chapters' Markdown: headings, display math, code fences.

The site build and the translation checks in the tests share them, so both count a
chapter's structure the same way.
"""

import re

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def prose_lines(markdown: str) -> list[str]:
    """The lines of a Markdown text that are outside fenced code blocks."""
    lines, fence = [], None
    for line in markdown.splitlines():
        marker = _FENCE.match(line)
        if marker and fence is None:
            fence = marker.group(1)
        elif marker and marker.group(1).startswith(fence):
            fence = None
        elif fence is None:
            lines.append(line)
    return lines


def headings(markdown: str, level: int) -> list[str]:
    """The texts of the ATX headings of `level` (1 for `# `), outside code fences."""
    prefix = "#" * level + " "
    lines = prose_lines(markdown)
    return [line[len(prefix) :].strip() for line in lines if line.startswith(prefix)]


def first_heading(markdown: str) -> str | None:
    """The text of the first `# ` heading, if any."""
    found = headings(markdown, 1)
    return found[0] if found else None


def display_math_blocks(markdown: str) -> int:
    """How many `$$ ... $$` display formulas the text has, outside code fences."""
    return sum(line.count("$$") for line in prose_lines(markdown)) // 2


def separate_display_math(markdown: str) -> str:
    """Puts a blank line before and after each display formula that starts a line.

    Python-Markdown reads two formulas on consecutive lines as one block, which MathJax
    then cannot parse; the blank lines make each formula its own block. Code fences are
    left as they are.
    """
    output: list[str] = []
    fence, in_math, after_math = None, False, False
    for line in markdown.splitlines():
        if after_math and line.strip():
            output.append("")
        after_math = False
        marker = _FENCE.match(line)
        if fence is not None:
            fence = None if marker and marker.group(1).startswith(fence) else fence
        elif in_math:
            in_math = "$$" not in line
            after_math = not in_math
        elif marker:
            fence = marker.group(1)
        elif line.lstrip().startswith("$$"):
            if output and output[-1].strip():
                output.append("")
            in_math = line.count("$$") % 2 == 1
            after_math = not in_math
        output.append(line)
    return "\n".join(output) + "\n"

"""Generated blocks inside the hand-written pages of course/site/.

A page marks a block with an HTML comment, `<!-- dlcourse:NAME -->`, alone on a line;
the build replaces it with Markdown computed from the course's own files, in the page's
language. An unknown name is an error, so a typo cannot silently leave a hole.
"""

import argparse
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import Assignment
from autograder.site.sources import Chapter, page_sources
from autograder.site.syllabus import syllabus_table

MARKER = re.compile(r"^<!-- dlcourse:(?P<name>[a-z-]+) -->$", re.MULTILINE)


@dataclass(frozen=True)
class Course:
    """What the generated blocks read: the checkout, its assignments and chapters."""

    root: Path
    assignments: list[Assignment]
    chapters: list[Chapter]


def fill_blocks(markdown: str, language: str, course: Course) -> str:
    """Replaces every `<!-- dlcourse:NAME -->` marker with its block in `language`."""

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in BLOCKS:
            raise KeyError(
                f"Unknown generated block '{name}' in a page of course/site/; "
                f"expected one of: {', '.join(sorted(BLOCKS))}"
            )
        return BLOCKS[name](language, course)

    return MARKER.sub(replace, markdown)


def _syllabus(language: str, course: Course) -> str:
    return syllabus_table(language, course.assignments, course.chapters, page_sources(course.root))


def _ci_templates(language: str, course: Course) -> str:
    """A list of the files in ci-templates/, each with its first comment line."""
    folder = course.root / "ci-templates"
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    if not files:
        return {
            "en": "*This checkout has no `ci-templates/` folder yet.*",
            "zh": "*当前仓库中还没有 `ci-templates/` 目录。*",
        }[language]
    return "\n".join(
        f"- `{path.relative_to(course.root).as_posix()}`" + _summary(path) for path in files
    )


def _summary(path: Path) -> str:
    """`: <first sentence of the file's first comment block>`, or nothing.

    A shebang is skipped; in Markdown, the first heading is that block.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[:20]
    except (UnicodeDecodeError, OSError):
        return ""
    comment: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith("#") and not text.startswith("#!"):
            comment.append(text.lstrip("#").strip())
        elif comment:
            break
    sentence = " ".join(comment).split(". ", 1)[0].strip()
    return f": {sentence.rstrip('.')}." if sentence else ""


def _commands(language: str, course: Course) -> str:
    """Each verb's `--help`, straight from the command's parser, so it cannot drift."""
    from autograder.cli import _parser

    sections = []
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, parser in action.choices.items():
                parser.formatter_class = functools.partial(argparse.HelpFormatter, width=88)
                sections.append(f"### `dlcourse {name}`\n\n```text\n{parser.format_help()}```")
    return "\n\n".join(sections)


BLOCKS: dict[str, Callable[[str, Course], str]] = {
    "syllabus": _syllabus,
    "ci-templates": _ci_templates,
    "commands": _commands,
}

"""Writes the MkDocs project of the site: a docs folder per language and mkdocs.yml.

    <project>/mkdocs.yml                      course/site/mkdocs.yml plus paths and nav
    <project>/docs/en/index.md, ...           course/site/en/*.md, generated blocks filled
    <project>/docs/en/chapters/*.md           course/chapters/*.md, formulas separated
    <project>/docs/zh/chapters/*.md           course/chapters/zh/*.md, those that exist
    <project>/docs/en/assignments/<id>/*.md   the released notebooks as pages, and the
                                              notebooks themselves for download
    <project>/docs/assets/, javascripts/, stylesheets/  MathJax, figures, own JS and CSS

A page missing in Chinese falls back to the English one (mkdocs-static-i18n).
"""

import shutil
from pathlib import Path

import yaml

from autograder.assignments import discover
from autograder.site.blocks import Course, fill_blocks
from autograder.site.figures import points_chart
from autograder.site.markdown import separate_display_math
from autograder.site.mathjax import copy_mathjax
from autograder.site.notebooks import notebook_page
from autograder.site.sources import (
    LANGUAGES,
    chapters,
    page_sources,
    released_notebooks,
)
from autograder.site.syllabus import assignment_page, descriptions, notebook_points

# The hand-written pages, in nav order, with their English nav titles.
PAGES = {"index.md": "Home", "instructor.md": "Instructor guide"}
STATIC_FOLDERS = ("javascripts", "stylesheets")


def write_project(root: Path, project: Path) -> Path:
    """Writes the MkDocs project for the checkout at `root` into `project`.

    Returns:
        The path of the generated mkdocs.yml.
    """
    if project.exists():
        shutil.rmtree(project)
    docs = project / "docs"
    course = Course(root=root, assignments=discover(root), chapters=chapters(root))
    sources = page_sources(root)

    for language in LANGUAGES:
        for page in PAGES:
            text = (sources / language / page).read_text(encoding="utf-8")
            _write(docs / language / page, fill_blocks(text, language, course))
        for chapter in course.chapters:
            source = chapter.source(language)
            if source is not None:
                text = separate_display_math(source.read_text(encoding="utf-8"))
                _write(docs / language / "chapters" / chapter.name, text)

    notebook_pages, points = [], {}
    described = descriptions(sources)
    for assignment in course.assignments:
        notebooks = released_notebooks(assignment)
        titles = described.get(assignment.id, {}).get("titles", {})
        points[assignment.id] = [notebook_points(path) for path in notebooks]
        for notebook in notebooks:
            page = assignment_page(assignment, notebook)
            notebook_pages.append(page)
            # Every language gets its own page, so its nav and labels stay in that
            # language; the notebook itself is the English release, offered beside it.
            for language in LANGUAGES:
                title = titles.get(language, {}).get(notebook.stem)
                text = notebook_page(notebook, language, sources / "templates", title)
                _write(docs / language / page, text)
                _copy(notebook, (docs / language / page).with_name(notebook.name))

    for folder in STATIC_FOLDERS:
        shutil.copytree(sources / folder, docs / folder)
    copy_mathjax(docs / "assets" / "mathjax")
    points_chart(points, docs / "assets" / "figures" / "points.svg")

    config = yaml.safe_load((sources / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = "docs"
    config["site_dir"] = "../html"  # what `dlcourse site build` passes to MkDocs too
    config["nav"] = [
        {PAGES["index.md"]: "index.md"},
        {"Chapters": [f"chapters/{chapter.name}" for chapter in course.chapters]},
        {"Assignments": notebook_pages},
        {PAGES["instructor.md"]: "instructor.md"},
    ]
    config_path = project / "mkdocs.yml"
    _write(config_path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return config_path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, destination)

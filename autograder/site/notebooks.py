"""Assignment pages: a released notebook exported to Markdown by nbconvert.

The export uses the template in course/site/templates/notebook_page/, which labels the
cells students fill in and the visible tests (name and points) from nbgrader metadata.
A download link to the notebook itself goes under the title. The page shows exactly what
the release holds: the release has already replaced solutions with stubs and removed
hidden tests.
"""

from pathlib import Path

from nbconvert import MarkdownExporter

from autograder.site.markdown import separate_display_math

TEMPLATE = "notebook_page"

LABELS = {
    "en": {
        "your_code": "Your code",
        "your_answer": "Your answer",
        "test": "Visible test",
        "points": "points",
        "by_hand": "graded by hand",
        "download_title": "Notebook",
        "download": "Download the notebook: [{name}]({name}). Work in Jupyter, then run "
        "`dlcourse check {name}` to see your visible tests pass.",
    },
    "zh": {
        "your_code": "你的代码",
        "your_answer": "你的回答",
        "test": "可见测试",
        "points": "分",
        "by_hand": "人工评分",
        "download_title": "笔记本",
        "download": "下载笔记本：[{name}]({name})。在 Jupyter 中完成作业，然后运行 "
        "`dlcourse check {name}` 检查可见测试是否通过。笔记本内容为英文。",
    },
}


def notebook_page(notebook: Path, language: str, templates: Path, title: str | None = None) -> str:
    """The Markdown page of a released notebook, with labels in `language`.

    Args:
        notebook: the released `.ipynb`; the page links to a copy of it beside the page.
        language: a key of `LABELS`.
        templates: the folder that holds the `notebook_page` nbconvert template.
        title: a title in `language` that replaces the notebook's own `# ` heading, which
            then follows it in italics; None keeps the notebook's heading.
    """
    labels = LABELS[language]
    exporter = MarkdownExporter(template_name=TEMPLATE, extra_template_basedirs=[str(templates)])
    body, _ = exporter.from_filename(str(notebook), resources={"labels": labels})
    download = labels["download"].format(name=notebook.name)
    admonition = f'!!! tip "{labels["download_title"]}"\n    {download}\n'
    return separate_display_math(_retitled(body, title, admonition))


def _retitled(markdown: str, title: str | None, block: str) -> str:
    """Puts `block` after the first `# ` heading, renaming that heading to `title`."""
    lines = markdown.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("# "):
            heading = [f"# {title}", "", f"*{line[2:].strip()}*"] if title else [line]
            return "\n".join([*lines[:index], *heading, "", block, *lines[index + 1 :]])
    return "\n".join([f"# {title}" if title else "", block, *lines])

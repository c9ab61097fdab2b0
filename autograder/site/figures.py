"""The charts the site's pages show, drawn with matplotlib when the site is built.

No image is committed: each figure is a function of the course's own files, written as
SVG (text, reproducible byte for byte) into the generated docs folder.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from autograder.site.syllabus import NotebookPoints  # noqa: E402


def points_chart(points: dict[str, list[NotebookPoints]], path: Path) -> Path:
    """A stacked bar per assignment: autograded points and hand-graded points.

    Labels are assignment ids and numbers only, so one figure serves every language.

    Args:
        points: for each assignment id, the points of its released notebooks.
        path: where the SVG goes.
    """
    ids = list(points)
    auto = [sum(nb.auto_points for nb in points[i]) for i in ids]
    manual = [sum(nb.manual_points for nb in points[i]) for i in ids]
    with plt.rc_context({"svg.hashsalt": "dlcourse", "svg.fonttype": "path"}):
        figure, axes = plt.subplots(figsize=(7, 0.45 * len(ids) + 1.2))
        axes.barh(ids, auto, color="#3f51b5", label="auto")
        axes.barh(ids, manual, left=auto, color="#ff9800", label="manual")
        for row, (a, m) in enumerate(zip(auto, manual, strict=True)):
            axes.text(a + m + 0.5, row, f"{a:g} + {m:g}", va="center", fontsize=9)
        axes.invert_yaxis()
        axes.set_xlim(0, max(a + m for a, m in zip(auto, manual, strict=True)) * 1.2)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=2, frameon=False)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="svg", metadata={"Date": None})
        plt.close(figure)
    return path

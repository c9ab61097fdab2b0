"""The course website: a strict offline build, both languages, math, no leaked answers."""

import json
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_support import ROOT, normalized, offline_build, secret_lines

from autograder import cli
from autograder.assignments import discover
from autograder.site import SiteBuild, start_server
from autograder.site.blocks import Course, fill_blocks
from autograder.site.markdown import display_math_blocks, headings, separate_display_math
from autograder.site.sources import LANGUAGES, chapters, notebook_title, released_notebooks
from autograder.site.syllabus import descriptions

pytestmark = pytest.mark.xdist_group("site")

CHAPTERS = chapters(ROOT)
NOTEBOOKS = [(a, nb) for a in discover(ROOT) for nb in released_notebooks(a)]
NOTEBOOK_IDS = [notebook.stem for _, notebook in NOTEBOOKS]
SOLUTION_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    built, attempts = offline_build(tmp_path_factory.getbasetemp() / "site-build")
    assert not attempts, f"the build tried to reach the network: {attempts}"
    return built


def page(site: SiteBuild, language: str, path: str) -> BeautifulSoup:
    prefix = "" if language == "en" else f"{language}/"
    html = site.html / prefix / path / "index.html"
    assert html.is_file(), f"missing page {html.relative_to(site.html)}"
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")


def article(soup: BeautifulSoup) -> BeautifulSoup:
    return soup.select_one("article.md-content__inner")


def test_build_is_strict_offline_and_complete(site: SiteBuild):
    # `offline_build` ran MkDocs in strict mode with sockets blocked: any warning (broken
    # link, missing page or anchor) or any connection would have failed the fixture.
    for language in LANGUAGES:
        prefix = "" if language == "en" else f"{language}/"
        assert (site.html / prefix / "index.html").is_file()
        assert (site.html / prefix / "instructor" / "index.html").is_file()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.path.stem)
def test_every_chapter_has_a_chinese_translation(chapter):
    assert chapter.source("zh") is not None, (
        f"{chapter.name} has no Simplified Chinese translation: "
        f"expected course/chapters/zh/{chapter.name}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.path.stem)
def test_translation_keeps_the_chapter_structure(chapter):
    translation = chapter.source("zh")
    if translation is None:
        pytest.skip(f"{chapter.name} is not translated yet (see the test above)")
    english = chapter.path.read_text(encoding="utf-8")
    chinese = translation.read_text(encoding="utf-8")
    for level in (1, 2):
        assert len(headings(chinese, level)) == len(headings(english, level)), (
            f"zh/{chapter.name} has {len(headings(chinese, level))} level-{level} headings, "
            f"the English chapter {len(headings(english, level))}"
        )
    assert display_math_blocks(chinese) == display_math_blocks(english), (
        f"zh/{chapter.name} has {display_math_blocks(chinese)} display formulas ($$...$$), "
        f"the English chapter {display_math_blocks(english)}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.path.stem)
def test_chapter_page_renders_its_formulas_as_math(site, chapter, language):
    source = chapter.source(language) or chapter.path
    content = article(page(site, language, f"chapters/{chapter.path.stem}"))
    assert content.h1.get_text(strip=True).rstrip("¶") == chapter.title(language)
    display = content.select("div.arithmatex")
    assert len(display) == display_math_blocks(source.read_text(encoding="utf-8"))
    assert content.select("span.arithmatex"), "no inline formula was recognised"
    for element in content.select(".arithmatex, pre, code"):
        element.decompose()
    assert "$" not in content.get_text(), "a formula was left as raw $...$ text"


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_lists_every_chapter_and_assignment(site, language):
    content = article(page(site, language, ""))
    links = {a["href"].strip("/"): a.get_text(strip=True) for a in content.select("a[href]")}
    for chapter in CHAPTERS:
        assert links.get(f"chapters/{chapter.path.stem}") == chapter.title(language)
    for assignment, notebook in NOTEBOOKS:
        assert f"assignments/{assignment.id}/{notebook.stem}" in links
    assert content.select_one('img[src$="assets/figures/points.svg"]') is not None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("assignment", "notebook"), NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_assignment_page_shows_the_release_without_solutions(site, assignment, notebook, language):
    soup = page(site, language, f"assignments/{assignment.id}/{notebook.stem}")
    html = str(soup)
    text = normalized(article(soup).get_text())
    # It is the student notebook: stubs and visible tests are there...
    assert "raise NotImplementedError()" in text
    visible_tests = [
        cell.metadata.nbgrader.grade_id
        for cell in _cells(notebook)
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
    ]
    assert visible_tests and all(test_id in text for test_id in visible_tests)
    # ...and nothing that exists only inside solution or hidden-test regions.
    for marker in SOLUTION_MARKERS:
        assert marker not in html, f"'{marker}' on the page of {notebook.name}"
    leaked = [line for line in secret_lines(assignment) if line in text]
    assert not leaked, f"solution or hidden-test lines on the page: {leaked[:5]}"
    download = soup.select_one(f'article a[href$="{notebook.name}"]')
    assert download is not None, "the page does not offer the notebook for download"
    content = article(soup)
    for element in content.select(".arithmatex, pre, code"):
        element.decompose()
    assert "$" not in content.get_text(), "notebook math was left as raw $...$ text"


@pytest.mark.parametrize(("assignment", "notebook"), NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_chinese_assignment_page_has_a_chinese_title(site, assignment, notebook):
    titles = descriptions(ROOT / "course" / "site")[assignment.id].get("titles", {})
    expected = titles.get("zh", {}).get(notebook.stem)
    assert expected, f"syllabus.toml has no titles.zh.{notebook.stem} for {assignment.id}"
    content = article(page(site, "zh", f"assignments/{assignment.id}/{notebook.stem}"))
    assert content.h1.get_text(strip=True).rstrip("¶") == expected
    assert content.find("em", string=notebook_title(notebook)) is not None


@pytest.mark.parametrize(("assignment", "notebook"), NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_downloadable_notebook_is_the_release(site, assignment, notebook):
    for prefix in ("", "zh/"):
        offered = site.html / prefix / "assignments" / assignment.id / notebook.name
        assert offered.read_bytes() == notebook.read_bytes()


def test_search_index_covers_both_languages_and_splits_chinese_words(site):
    index = json.loads((site.html / "search" / "search_index.json").read_text("utf-8"))
    locations = [doc["location"] for doc in index["docs"]]
    for chapter in CHAPTERS:
        assert f"chapters/{chapter.path.stem}/" in locations
        assert f"zh/chapters/{chapter.path.stem}/" in locations
    chinese = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("zh/"))
    # jieba split Chinese text into words with U+200B, which the search separator splits on.
    assert "\u200b" in chinese
    assert "\\u200b" in index["config"]["separator"]


def test_pages_load_nothing_from_other_hosts(site):
    for html in site.html.rglob("*.html"):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
            for element in soup.find_all(tag, attrs={attribute: True}):
                if tag == "link" and "stylesheet" not in element.get("rel", []):
                    continue
                url = element[attribute]
                assert not url.startswith(("http:", "https:", "//")), f"{html}: {url}"
    mathjax = site.html / "assets" / "mathjax"
    assert (mathjax / "tex-mml-chtml.js").is_file() and (mathjax / "LICENSE").is_file()
    assert any((mathjax / "output" / "chtml" / "fonts").rglob("*.woff"))


def test_images_are_generated_not_committed(site):
    committed = [
        p for p in (ROOT / "course" / "site").rglob("*") if p.suffix in {".png", ".svg", ".jpg"}
    ]
    assert not committed, f"commit the code that draws these, not the images: {committed}"
    assert (site.html / "assets" / "figures" / "points.svg").read_text().startswith("<?xml")


def test_server_serves_the_built_site_on_loopback(site):
    server = start_server(site.html)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://{host}:{port}/zh/") as response:
            assert response.status == 200
            assert "简体中文" in response.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()


def test_separate_display_math_splits_adjacent_formulas():
    text = "Updates\n$$a = 1,$$\n$$b = 2\nc = 3.$$\nwhere a is...\n"
    assert separate_display_math(text) == (
        "Updates\n\n$$a = 1,$$\n\n$$b = 2\nc = 3.$$\n\nwhere a is...\n"
    )
    assert display_math_blocks(text) == 2


def test_separate_display_math_leaves_code_alone():
    text = "```python\nx = 1\n$$not math$$\ny = 2\n```\n"
    assert separate_display_math(text) == text
    assert display_math_blocks(text) == 0


def test_headings_ignore_comments_in_code():
    text = "# Title\n\n```bash\n# a shell comment\n```\n\n## Section\n"
    assert headings(text, 1) == ["Title"]
    assert headings(text, 2) == ["Section"]


def test_unknown_generated_block_is_an_error():
    course = Course(root=ROOT, assignments=[], chapters=[])
    with pytest.raises(KeyError, match="Unknown generated block 'sylabus'"):
        fill_blocks("<!-- dlcourse:sylabus -->", "en", course)


def test_cli_has_site_build_and_serve():
    args = cli._parser().parse_args(["site", "build", "--out", "somewhere"])
    assert (args.verb, args.site_action, args.out) == ("site", "build", Path("somewhere"))
    args = cli._parser().parse_args(["site", "serve"])
    assert (args.host, args.port, args.no_build) == ("127.0.0.1", 8000, False)


def _cells(notebook: Path):
    import nbformat

    return nbformat.read(notebook, as_version=4).cells

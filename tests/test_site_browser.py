"""The course website in a real browser: headless Debian Chromium driven by Playwright.

The built site is served on 127.0.0.1; every request to another host is blocked and
recorded, so a page that needs the network fails here. Screenshots go to
test-artifacts/site/.
"""

import re
import shutil
from collections.abc import Iterator

import pytest
from site_support import ARTIFACTS, ROOT, normalized, offline_build, secret_lines

from autograder.assignments import discover
from autograder.site import SiteBuild, start_server
from autograder.site.sources import chapters, released_notebooks

pytestmark = pytest.mark.xdist_group("site")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_MISSING = (
    "!!! BROWSER TEST NOT RUN: {what}. The website was NOT checked in a browser. "
    "Install Debian's Chromium with `bash ci/install-chromium.sh` "
    "(apt-get install -y chromium) and run the tests again. !!!"
)
if CHROMIUM is None:
    pytest.skip(_MISSING.format(what="no `chromium` on PATH"), allow_module_level=True)
try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra pins playwright
    pytest.skip(_MISSING.format(what="the playwright package"), allow_module_level=True)

CHAPTERS = chapters(ROOT)
FIRST = CHAPTERS[0]
ASSIGNMENT = discover(ROOT)[0]
NOTEBOOK = released_notebooks(ASSIGNMENT)[0]
RAW_MATH = re.compile(r"\$\$|\\\(|\\\[|\$[^$\s][^$]*\$")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site: SiteBuild
    site, _ = offline_build(tmp_path_factory.getbasetemp() / "site-build")
    server = start_server(site.html)
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh page that may only talk to the local server, and must raise no JS error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    foreign, errors = [], []

    def only_local(route):
        if route.request.url.startswith((base_url, "data:", "blob:")):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not foreign, f"the page tried to load from other hosts: {foreign}"
    assert not errors, f"JavaScript errors: {errors}"


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def wait_for_math(page: Page) -> None:
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")


def test_home_page_lists_every_chapter(page: Page, base_url: str):
    page.goto(base_url)
    content = page.locator("article")
    for chapter in CHAPTERS:
        expect(content.get_by_role("link", name=chapter.title("en"), exact=True)).to_be_visible()
    expect(content.locator('img[src$="points.svg"]')).to_be_visible()
    shoot(page, "home")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_chapter_page_shows_rendered_math(page: Page, base_url: str, language: str):
    prefix = "" if language == "en" else "zh/"
    page.goto(f"{base_url}{prefix}chapters/{FIRST.path.stem}/")
    wait_for_math(page)
    formulas = page.locator("article .arithmatex")
    rendered = page.locator("article .arithmatex mjx-container")
    assert formulas.count() > 10
    assert rendered.count() == formulas.count(), "some formulas were not typeset"
    assert page.locator("article mjx-merror").count() == 0, "MathJax reported a TeX error"
    prose = page.locator("article").inner_text()
    visible_raw = RAW_MATH.findall(prose)
    assert not visible_raw, f"raw TeX visible on the page: {visible_raw[:3]}"
    page.locator("article div.arithmatex").first.scroll_into_view_if_needed()
    shoot(page, f"chapter-math-{language}")


def test_assignment_page_shows_the_notebook_without_solutions(page: Page, base_url: str):
    page.goto(f"{base_url}assignments/{ASSIGNMENT.id}/{NOTEBOOK.stem}/")
    text = normalized(page.locator("article").inner_text())
    assert "YOUR CODE HERE" in text and "raise NotImplementedError()" in text
    expect(page.locator("article").get_by_text("Visible test").first).to_be_visible()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "END SOLUTION", "END HIDDEN TESTS"):
        assert marker not in text
    leaked = [line for line in secret_lines(ASSIGNMENT) if line in text]
    assert not leaked, f"solution or hidden-test lines visible: {leaked[:5]}"
    page.locator("article p.notebook-label").first.scroll_into_view_if_needed()
    shoot(page, "assignment")


def test_notebook_math_renders_too(page: Page, base_url: str):
    assignment, notebook = next(
        (a, nb)
        for a in discover(ROOT)
        for nb in released_notebooks(a)
        if "$" in nb.read_text(encoding="utf-8")
    )
    page.goto(f"{base_url}assignments/{assignment.id}/{notebook.stem}/")
    wait_for_math(page)
    formulas = page.locator("article .arithmatex")
    assert formulas.count() > 0
    assert page.locator("article .arithmatex mjx-container").count() == formulas.count()
    assert page.locator("article mjx-merror").count() == 0, "MathJax reported a TeX error"


def test_language_switch_goes_to_chinese_and_back(page: Page, base_url: str):
    chapter = f"chapters/{FIRST.path.stem}/"
    page.goto(f"{base_url}{chapter}")
    switch_language(page, "zh")
    expect(page).to_have_url(f"{base_url}zh/{chapter}")
    expect(page.locator("article h1")).to_contain_text(FIRST.title("zh"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^zh"))
    shoot(page, "chapter-zh")
    switch_language(page, "en")
    expect(page).to_have_url(f"{base_url}{chapter}")
    expect(page.locator("article h1")).to_contain_text(FIRST.title("en"))


def switch_language(page: Page, language: str) -> None:
    page.locator(".md-select").hover()
    page.locator(f'.md-select__link[hreflang="{language}"]').click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("language", "term"), [("en", "GradientTape"), ("zh", "反向传播")])
def test_search_finds_a_term(page: Page, base_url: str, language: str, term: str):
    page.goto(base_url if language == "en" else f"{base_url}zh/")
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").press_sequentially(term, delay=20)
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    expect(page.locator(".md-search-result mark").first).to_be_visible()
    # Chinese text is indexed as words joined by zero-width spaces (U+200B).
    assert term in results.first.inner_text().replace("\u200b", "")
    shoot(page, f"search-{language}")

"""A real browser for tests: Debian's headless Chromium driven through Selenium.

    from browser import browser  # noqa: F401      (the fixture; pytest finds it once the test module has it)

    def test_page(browser, ...):
        browser.get(url)
        phone(browser)                             # 375 px wide, as WeChat's browser on a phone
        assert no_horizontal_scroll(browser), cut_off_elements(browser)

`browser` is a fresh Chromium for each test (about 1 s to start), quit afterwards. A module that wants one browser
for all its tests builds its own fixture from make_browser() and calls reset() between tests.
Needs `apt-get install chromium chromium-driver` (.ci/run does) and selenium (requirements-dev.txt); without them
the fixture fails, it never skips.
"""

import base64
import os
import shutil
import tempfile

import pytest

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By         # for test modules: from browser import By
except ImportError:          # said by the fixture, with what to install
    webdriver = Service = By = None

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True}
PAGE_LOAD_SECONDS = 15
MISSING = ("the browser tests need headless Chromium and its driver: apt-get install chromium chromium-driver "
           "(.ci/run does), and selenium: .venv/bin/pip install -r requirements-dev.txt")


def missing():
    """What is not installed for make_browser(), as a sentence; '' when everything is."""
    absent = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.isfile(path)]
    if webdriver is None:
        absent.append("the selenium package")
    return f"{', '.join(absent)} not found: {MISSING}" if absent else ""


def make_browser(width=1280, height=900):
    """A Selenium Chrome WebDriver on headless Chromium whose viewport is width x height CSS px, with a new empty
    profile (removed by quit()), Chinese as its language, no implicit wait and a 15 s page load timeout."""
    problem = missing()
    if problem:
        raise RuntimeError(problem)
    profile = tempfile.mkdtemp(prefix="teabot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox",              # root in a container: no user namespace sandbox
                 "--disable-dev-shm-usage", "--disable-gpu",    # small /dev/shm, no GPU
                 f"--window-size={width},{height}", "--lang=zh-CN", f"--user-data-dir={profile}",
                 "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                 "--disable-extensions", "--disable-sync", "--mute-audio"):
        options.add_argument(flag)
    # --lang sets the UI's language only; this sets navigator.language and the Accept-Language header.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    try:
        driver = _Chromium(options=options, service=Service(executable_path=CHROMEDRIVER))
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.profile_dir = profile
    driver.implicitly_wait(0)
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
    # --window-size is the outer window; make the page's own viewport width x height.
    outer_w, outer_h, inner_w, inner_h = driver.execute_script(
        "return [window.outerWidth, window.outerHeight, window.innerWidth, window.innerHeight]")
    if (inner_w, inner_h) != (width, height):
        driver.set_window_size(width + outer_w - inner_w, height + outer_h - inner_h)
    driver.viewport = (width, height)
    return driver


if webdriver is not None:
    class _Chromium(webdriver.Chrome):
        """Chrome that removes its temporary profile when it quits, and knows whether phone() is on."""
        profile_dir = None
        phone_width = None

        def quit(self):
            try:
                super().quit()
            finally:
                if self.profile_dir:
                    shutil.rmtree(self.profile_dir, ignore_errors=True)


@pytest.fixture
def browser():
    """A fresh headless Chromium for one test (desktop size, 1280 x 900), quit after it. Fails, never skips, when
    Chromium, chromedriver or selenium is missing."""
    problem = missing()
    if problem:
        pytest.fail(problem, pytrace=False)
    driver = make_browser()
    try:
        yield driver
    finally:
        driver.quit()


def phone(driver):
    """Show pages as a phone does: 375 x 812 CSS px, device pixel ratio 2, mobile (the page's <meta name=viewport>
    counts, as in WeChat's browser). Stays on for later pages until desktop()."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    driver.phone_width = PHONE["width"]


def desktop(driver):
    """Back to the browser's own window size after phone()."""
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.phone_width = None


def reset(driver):
    """Make a shared browser as good as new between tests: desktop size, no cookies or storage, one blank tab."""
    desktop(driver)
    for handle in driver.window_handles[1:]:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(driver.window_handles[0])
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": "*", "storageTypes": "all"})


# The width the page must fit in: the layout viewport less a vertical scrollbar (documentElement.clientWidth) and,
# under phone(), never more than the phone: a page without <meta name=viewport> lays out 980 px wide on a phone
# and is shrunk to unreadable, which is not fitting.
_LIMIT_JS = """
    const phoneWidth = arguments[0];
    const width = Math.min(window.innerWidth, document.documentElement.clientWidth || window.innerWidth);
    const limit = phoneWidth ? Math.min(width, phoneWidth) : width;
"""


def page_width(driver):
    """(the page's width, the width it must fit in), in CSS px."""
    return tuple(driver.execute_script(_LIMIT_JS + "return [document.documentElement.scrollWidth, limit];",
                                       getattr(driver, "phone_width", None)))


def no_horizontal_scroll(driver):
    """True when the page itself does not scroll sideways: document.documentElement.scrollWidth is within the
    viewport's width (+1 px for rounding); under phone(), within 375 px too. Scrolling inside an element of its
    own (a wide table in an overflow-x: auto box) is allowed."""
    scroll_width, limit = page_width(driver)
    return scroll_width <= limit + 1


def cut_off_elements(driver, most=20):
    """Descriptions of the visible elements that reach past the right edge of the viewport (the width
    no_horizontal_scroll measures against), outermost first, at most `most`: e.g.
    'table#records.wide "日期 金额…" right edge 612 px > 375 px'. An element inside a box that scrolls or clips
    sideways is left out (only that box counts); so is one whose parent is already listed."""
    return driver.execute_script(_LIMIT_JS + """
        const most = arguments[1], found = [], listed = new Set();
        const clips = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
        for (const el of document.body ? document.body.querySelectorAll("*") : []) {
            if (found.length >= most) break;
            const style = getComputedStyle(el), box = el.getBoundingClientRect();
            if (style.display === "none" || style.visibility !== "visible" || box.width === 0 || box.height === 0)
                continue;
            const right = box.right + window.scrollX;
            if (right <= limit + 1) continue;
            let inside = false;
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (listed.has(up) || clips(up)) { inside = true; break; }
            }
            if (inside) continue;
            listed.add(el);
            let name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
            if (typeof el.className === "string" && el.className.trim())
                name += "." + el.className.trim().split(/\\s+/).join(".");
            let text = (el.innerText || el.getAttribute("value") || "").replace(/\\s+/g, " ").trim();
            if (text.length > 40) text = text.slice(0, 40) + "…";
            found.push(`${name}${text ? ' "' + text + '"' : ""} right edge ${Math.round(right)} px > ${limit} px`);
        }
        return found;
    """, getattr(driver, "phone_width", None), most)


def screenshot(driver, path):
    """The whole page (not just the viewport) as a PNG file at path; under phone() at its pixel ratio (750 px
    wide). Returns path."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "fromSurface": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as out:
        out.write(base64.b64decode(shot["data"]))
    return path


def has_glyphs(driver, text, font="32px sans-serif"):
    """True when every character of text is drawn with a real glyph in the current page (a font has it), False
    when one is a 'tofu' box, i.e. drawn as Chromium draws a character no font has. For screenshots with Chinese
    (fonts-noto-cjk, which .ci/run installs)."""
    return driver.execute_script("""
        const [text, font] = arguments;
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 64;
        const context = canvas.getContext("2d");
        const draw = (ch) => {
            context.clearRect(0, 0, 64, 64);
            context.font = font;
            context.fillText(ch, 8, 44);
            return canvas.toDataURL();
        };
        const tofu = draw(String.fromCodePoint(0x10FFFD));    // private use: no font has it
        return [...text].filter((ch) => ch.trim()).every((ch) => draw(ch) !== tofu);
    """, text, font)


def gone(element):
    """True once `element` is no longer in the page: chromedriver says so as a stale reference or, while the next
    page is being swapped in, as 'does not belong to the document' (which Selenium's staleness_of does not
    count, so a wait on it can fail at random)."""
    from selenium.common.exceptions import WebDriverException
    try:
        element.tag_name
    except WebDriverException:          # StaleElementReferenceException is one
        return True
    return False


def wait_gone(driver, element, seconds=15):
    """Wait until `element` (usually the old page's <html>) is gone and the new page has loaded."""
    from selenium.webdriver.support.wait import WebDriverWait
    WebDriverWait(driver, seconds).until(lambda d: gone(element))
    WebDriverWait(driver, seconds).until(lambda d: d.execute_script("return document.readyState") == "complete")


@pytest.fixture(scope="module")
def shared_browser():
    """One browser for a whole test module (browser start is most of a short test's time); use `chrome`."""
    driver = make_browser()
    yield driver
    driver.quit()


@pytest.fixture
def chrome(shared_browser):
    """The module's browser, reset for this test: desktop size, no cookies, storage or extra tabs."""
    reset(shared_browser)
    return shared_browser


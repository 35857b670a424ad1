"""Receipts in the console, against the real server on loopback: the image and thumbnail routes (who may see them,
403 for anyone else's whatever the id, 404 for unknown, pending, failed or missing files and forged ids, the
headers), the record page /console/records/<id>, and in a real browser (headless Chromium) the thumbnails on 记录,
我的 and the record page, at desktop width and 375 px."""

import copy
import hashlib
import io
import os
import re
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageDraw

from bot.app import App
from bot.config import DEFAULTS
from browser import chrome, shared_browser  # noqa: F401  (fixtures)
from browser import By, cut_off_elements, no_horizontal_scroll, phone, screenshot
from conftest import ADMIN, FINANCE, link_for, serve_console
from plugins.expense.receipts import receipts_dir

DOCS = Path(__file__).resolve().parent.parent / "docs"
MEMBERS = [("o-zs", "研发一组", "张三"), ("o-ls", "研发一组", "李四"), ("o-ww", "研发二组", "王五")]


def receipt_picture(size, colour):
    """Something like a photographed receipt: a coloured header band and lines of 'text' on white."""
    picture = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(picture)
    width, height = size
    draw.rectangle([0, 0, width, height // 8], fill=colour)
    for n, y in enumerate(range(height // 8 + 30, height - 40, max(12, height // 20))):
        draw.rectangle([width // 10, y, width // 10 + (width * (5 + n * 3 % 4)) // 10, y + max(4, height // 80)],
                       fill=(70, 70, 70))
    return picture


def image_bytes(size, colour, kind):
    out = io.BytesIO()
    receipt_picture(size, colour).save(out, kind)
    return out.getvalue()


def add_receipt(app, expense_id, status="stored", content_type="image/png", colour=(200, 60, 40), path=None,
                size=(600, 800)):
    """A receipts row for `expense_id` as the contract describes it, with its image and thumbnail in the receipts
    folder when stored (`path` overrides the row's path, for forged rows); returns (id, image bytes)."""
    kind = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}.get(content_type, "PNG")
    data = image_bytes(size, colour, kind)
    digest = hashlib.sha256(data).hexdigest()
    folder = receipts_dir(app.config)
    stored = status == "stored"
    if stored and path is None:
        (folder / digest[:2]).mkdir(parents=True, exist_ok=True)
        path = f"{digest[:2]}/{digest}.{kind.lower()}"
        (folder / path).write_bytes(data)
        thumb = receipt_picture((180, 240), colour)
        out = io.BytesIO()
        thumb.save(out, "JPEG")
        (folder / f"{digest[:2]}/{digest}.thumb.jpg").write_bytes(out.getvalue())
    with app.transaction() as tx:
        owner = tx.value("SELECT openid FROM expenses WHERE id = ?", [expense_id])
        receipt_id = tx.execute(
            """INSERT INTO receipts (expense_id, openid, media_id, pic_url, status, sha256, content_type, size_bytes,
                                     path, thumb_path, created_at, stored_at)
               VALUES (?, ?, 'media', 'http://127.0.0.1/x.png', ?, ?, ?, ?, ?, ?, '2026-03-01T02:00:00.000000+00:00',
                       ?)""",
            [expense_id, owner, status, digest if stored else None, content_type if stored else "",
             len(data) if stored else None, path or "",
             f"{digest[:2]}/{digest}.thumb.jpg" if stored and path and not path.startswith("..") else "",
             "2026-03-01T02:00:05.000000+00:00" if stored else None]).lastrowid
    return receipt_id, data


def make_app(folder, sent):
    config = copy.deepcopy(DEFAULTS)
    config.update(database=str(folder / "data" / "teabot.db"), exports_dir=str(folder / "exports"), admins=[ADMIN],
                  finance=[FINANCE], groups=["研发一组", "研发二组"], _path="test")
    config["wechat"]["token"] = "testtoken"
    (folder / "data").mkdir()
    return App(config, sender=lambda openid, text: sent.append((openid, text))).setup()


def record(app, openid, text):
    reply = app.handle_text(openid, text)
    assert "已记录" in reply, reply
    return int(re.search(r"#(\d+)", reply).group(1))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(app, base URL, ids): 张三 has a record with two stored receipts and one pending, one with five stored, one
    without; 李四 one with a stored receipt (the one 张三 must not see) and one with only a pending one; 王五 a
    record whose receipts are forged or broken (failed, file gone, a path out of the folder, a bad type)."""
    sent = []
    app = make_app(tmp_path_factory.mktemp("receipts"), sent)
    for openid, team, name in MEMBERS:
        app.handle_text(openid, f"9 {team} {name}")
    app.handle_text(ADMIN, "81 全部")
    assert "已通过" in app.handle_text(ADMIN, "确认")
    ids = {}
    ids["zs_tea"] = record(app, "o-zs", "1 86.5 奶茶")
    ids["zs_fruit"] = record(app, "o-zs", "1 42 水果 拼盘")
    ids["zs_none"] = record(app, "o-zs", "1 12 咖啡")
    ids["ls_cake"] = record(app, "o-ls", "1 30.25 蛋糕")
    ids["ls_pending"] = record(app, "o-ls", "1 19.99 饼干")
    ids["ww_broken"] = record(app, "o-ww", "1 99.99 零食")
    ids["zs_receipts"] = [add_receipt(app, ids["zs_tea"], colour=(200, 60, 40)),
                          add_receipt(app, ids["zs_tea"], content_type="image/jpeg", colour=(40, 120, 200))]
    ids["zs_pending"] = add_receipt(app, ids["zs_tea"], status="pending")[0]
    ids["zs_five"] = [add_receipt(app, ids["zs_fruit"], colour=(30 * n, 150, 90))[0] for n in range(5)]
    ids["ls_receipt"] = add_receipt(app, ids["ls_cake"], content_type="image/webp", colour=(90, 90, 160))
    ids["ls_pending_only"] = add_receipt(app, ids["ls_pending"], status="pending")[0]
    ids["failed"] = add_receipt(app, ids["ww_broken"], status="failed")[0]
    ids["gone"], _ = add_receipt(app, ids["ww_broken"], colour=(1, 2, 3))
    gone = app.store.one("SELECT path, thumb_path FROM receipts WHERE id = ?", [ids["gone"]])
    for name in gone.values():
        os.remove(receipts_dir(app.config) / name)
    ids["escape"] = add_receipt(app, ids["ww_broken"], path="../teabot.db")[0]
    ids["html"] = add_receipt(app, ids["ww_broken"], content_type="text/html", colour=(4, 5, 6))[0]
    base, stop = serve_console(app)
    yield app, base, ids
    stop()
    app.pusher.flush(5)
    app.store.close()


def session(app, base, openid):
    """A requests session signed in as `openid` (the 89 link followed)."""
    http = requests.Session()
    assert http.get(link_for(app, openid), timeout=10).status_code == 200
    return http


def test_a_member_gets_their_own_receipts_with_the_image_headers(site):
    app, base, ids = site
    http = session(app, base, "o-zs")
    (png_id, png), (jpeg_id, jpeg) = ids["zs_receipts"]
    for receipt_id, data, kind in ((png_id, png, "image/png"), (jpeg_id, jpeg, "image/jpeg")):
        response = http.get(f"{base}/console/receipts/{receipt_id}", timeout=10)
        assert response.status_code == 200 and response.content == data
        headers = response.headers
        assert headers["Content-Type"] == kind
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Disposition"].startswith("inline")
        assert headers["Cache-Control"].startswith("private, max-age=")
        assert "sandbox" in headers["Content-Security-Policy"]
        thumb = http.get(f"{base}/console/receipts/{receipt_id}/thumb", timeout=10)
        assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
        assert max(Image.open(io.BytesIO(thumb.content)).size) <= 240
        again = http.get(f"{base}/console/receipts/{receipt_id}", headers={"If-None-Match": headers["ETag"]},
                         timeout=10)
        assert again.status_code == 304 and not again.content


def test_a_member_cannot_open_anyone_elses_receipt_or_record_even_by_guessing_ids(site):
    app, base, ids = site
    http = session(app, base, "o-zs")
    own = {r[0] for r in ids["zs_receipts"]} | set(ids["zs_five"])
    top = app.store.one("SELECT MAX(id) AS n FROM receipts")["n"]
    for receipt_id in range(1, top + 1):
        for suffix in ("", "/thumb"):
            status = http.get(f"{base}/console/receipts/{receipt_id}{suffix}", timeout=10).status_code
            if receipt_id in own:
                assert status == 200, (receipt_id, suffix)
            elif receipt_id == ids["zs_pending"]:
                assert status == 404            # his own, not fetched yet
            else:
                assert status == 403, (receipt_id, suffix, status)
    response = http.get(f"{base}/console/receipts/{ids['ls_receipt'][0]}", timeout=10)
    assert "text/html" in response.headers["Content-Type"] and "没有权限" in response.text
    assert ids["ls_receipt"][1] not in response.content
    for name in ("ls_cake", "ls_pending", "ww_broken"):
        page = http.get(f"{base}/console/records/{ids[name]}", timeout=10)
        assert page.status_code == 403 and "没有权限" in page.text
    mine = http.get(f"{base}/console/records/{ids['zs_tea']}", timeout=10)
    assert mine.status_code == 200 and "奶茶" in mine.text


def test_staff_see_every_receipt_and_record(site):
    app, base, ids = site
    for openid in (ADMIN, FINANCE):
        http = session(app, base, openid)
        for receipt_id, data in (*ids["zs_receipts"], ids["ls_receipt"]):
            response = http.get(f"{base}/console/receipts/{receipt_id}", timeout=10)
            assert response.status_code == 200 and response.content == data, openid
        assert http.get(f"{base}/console/receipts/{ids['ls_receipt'][0]}", timeout=10).headers["Content-Type"] \
            == "image/webp"
        for name in ("zs_tea", "ls_cake", "ww_broken"):
            assert http.get(f"{base}/console/records/{ids[name]}", timeout=10).status_code == 200


def test_unknown_pending_failed_missing_forged_and_odd_ids_are_404_pages_never_a_file_or_500(site):
    app, base, ids = site
    http = session(app, base, ADMIN)
    for receipt_id in (ids["zs_pending"], ids["failed"], ids["gone"], ids["escape"], ids["html"], 99999,
                       "abc", "²", "١", "9" * 40, "-1", "1.5", "%2e%2e", "..%2fteabot.db"):
        for suffix in ("", "/thumb"):
            response = http.get(f"{base}/console/receipts/{receipt_id}{suffix}", timeout=10)
            assert response.status_code == 404, (receipt_id, suffix, response.status_code)
            assert response.headers["Content-Type"].startswith("text/html"), receipt_id
            assert b"SQLite format" not in response.content
    pending = http.get(f"{base}/console/receipts/{ids['zs_pending']}", timeout=10).text
    assert "还没有取回" in pending and f"#{ids['zs_tea']}" in pending
    assert "不在服务器上" in http.get(f"{base}/console/receipts/{ids['gone']}", timeout=10).text
    for record_id in ("99999", "abc", "²", "9" * 40, "0"):
        assert http.get(f"{base}/console/records/{record_id}", timeout=10).status_code == 404, record_id
    anonymous = requests.get(f"{base}/console/receipts/{ids['zs_receipts'][0][0]}", timeout=10)
    assert anonymous.status_code == 401 and ids["zs_receipts"][0][1] not in anonymous.content
    assert requests.get(f"{base}/console/records/{ids['zs_tea']}", timeout=10).status_code == 401


def test_the_record_page_lists_fields_receipts_and_pending_ones(site):
    app, base, ids = site
    text = session(app, base, ADMIN).get(f"{base}/console/records/{ids['zs_tea']}", timeout=10).text
    assert "86.50 元" in text and "张三" in text and "研发一组" in text and "未报销" in text
    for receipt_id, _ in ids["zs_receipts"]:
        assert f'href="/console/receipts/{receipt_id}"' in text
        assert f'src="/console/receipts/{receipt_id}/thumb" loading="lazy"' in text
    assert "待取回" in text and "2 张，另有 1 张待取回" in text
    none = session(app, base, "o-zs").get(f"{base}/console/records/{ids['zs_none']}", timeout=10).text
    assert "还没有小票" in none and f"7 {ids['zs_none']} 小票" in none


def test_a_voided_record_says_who_voided_it_when_and_why(site):
    app, base, ids = site
    expense_id = record(app, "o-ls", "1 5 打错了")
    http = session(app, base, ADMIN)
    form = http.get(f"{base}/console/records", timeout=10).text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    done = http.post(f"{base}/console/records", data={"csrf": csrf, "action": "void", "id": str(expense_id),
                                                      "reason": "金额写错"}, timeout=10)
    assert "已作废" in done.text
    page = http.get(f"{base}/console/records/{expense_id}", timeout=10).text
    assert "已作废" in page and "管理员于" in page and "作废：金额写错" in page


def images_loaded(driver):
    """(src, natural width) of each <img> of the page once scrolled into view (they load lazily)."""
    found = []
    for image in driver.find_elements(By.TAG_NAME, "img"):
        driver.execute_script("arguments[0].scrollIntoView()", image)
    for image in driver.find_elements(By.TAG_NAME, "img"):
        for _ in range(100):
            if driver.execute_script("return arguments[0].complete", image):
                break
            driver.execute_script("return new Promise(r => setTimeout(r, 50))")
        found.append((image.get_attribute("src"), driver.execute_script("return arguments[0].naturalWidth", image)))
    return found


def sign_in(driver, app, openid):
    driver.get(link_for(app, openid))


def test_staff_see_thumbnails_on_the_records_page_at_desktop_and_phone_width(site, chrome, tmp_path):
    app, base, ids = site
    sign_in(chrome, app, ADMIN)
    chrome.get(base + "/console/records")
    rows = {int(r.get_attribute("data-id")): r for r in chrome.find_elements(By.CSS_SELECTOR, "tbody tr[data-id]")}
    cell = lambda expense_id: rows[expense_id].find_element(By.CSS_SELECTOR, "td.receipts")   # noqa: E731
    tea = cell(ids["zs_tea"])
    assert [i.get_attribute("loading") for i in tea.find_elements(By.TAG_NAME, "img")] == ["lazy", "lazy"]
    assert [a.get_attribute("href") for a in tea.find_elements(By.CSS_SELECTOR, "a.thumb")] == \
        [f"{base}/console/receipts/{r}" for r, _ in ids["zs_receipts"]]
    assert "待取回" in tea.text
    fruit = cell(ids["zs_fruit"])
    assert len(fruit.find_elements(By.TAG_NAME, "img")) == 3 and fruit.text.strip() == "+2"
    assert cell(ids["zs_none"]).text == ""
    assert cell(ids["ls_pending"]).text == "待取回"
    broken = {f"{base}/console/receipts/{ids[name]}/thumb" for name in ("gone", "escape", "html")}
    loaded = images_loaded(chrome)
    assert {src for src, width in loaded if width == 0} == broken    # a file gone: its alt text, not a 500
    assert len(loaded) == 2 + 3 + 1 + 3
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    wrap = chrome.find_element(By.CSS_SELECTOR, ".table-wrap")
    assert chrome.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", wrap)  # fits 1280 px
    chrome.get(base + "/console/records?team=" + str(app.store.one("SELECT id FROM groups WHERE name = '研发一组'")["id"]))
    images_loaded(chrome)
    screenshot(chrome, (DOCS if os.environ.get("TEABOT_SCREENSHOTS") == "docs" else tmp_path)
               / "console-receipts.png")
    phone(chrome)
    chrome.get(base + "/console/records")
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    chrome.get(f"{base}/console/records/{ids['zs_fruit']}")
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    assert len(images_loaded(chrome)) == 5


def test_a_member_sees_their_own_thumbnails_on_me_and_the_record_page_at_phone_width(site, chrome, tmp_path):
    app, base, ids = site
    sign_in(chrome, app, "o-zs")
    phone(chrome)
    chrome.get(base + "/console/me")
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    thumbs = {i.get_attribute("src") for i in chrome.find_elements(By.CSS_SELECTOR, "td.receipts img")}
    assert thumbs == {f"{base}/console/receipts/{r}/thumb" for r in
                      [r for r, _ in ids["zs_receipts"]] + ids["zs_five"][:3]}
    assert all(width > 0 for _, width in images_loaded(chrome))
    chrome.find_element(By.CSS_SELECTOR, f"tr[data-id='{ids['zs_tea']}'] td a").click()
    assert chrome.current_url == f"{base}/console/records/{ids['zs_tea']}"
    loaded = images_loaded(chrome)
    assert len(loaded) == 2 and all(width > 0 for _, width in loaded), loaded
    assert "待取回" in chrome.find_element(By.CSS_SELECTOR, "ul.receipts").text
    assert no_horizontal_scroll(chrome), cut_off_elements(chrome)
    screenshot(chrome, (DOCS if os.environ.get("TEABOT_SCREENSHOTS") == "docs" else tmp_path)
               / "console-record-phone.png")
    chrome.find_element(By.CSS_SELECTOR, "ul.receipts a").click()
    assert chrome.current_url == f"{base}/console/receipts/{ids['zs_receipts'][0][0]}"
    chrome.get(f"{base}/console/records/{ids['ls_cake']}")
    assert "没有权限" in chrome.page_source and not chrome.find_elements(By.CSS_SELECTOR, "ul.receipts img")

"""Fetching a receipt's picture and storing it: only from the allowed hosts, within a size cap and a deadline,
only bytes Pillow decodes as an image; stored content-addressed with a thumbnail, each written under a temp
name and renamed. No database here: receipt_jobs.py records the outcome."""

import hashlib
import io
import os
import secrets
import time
from urllib.parse import urljoin, urlsplit

import requests
from PIL import Image, ImageOps

# Pillow decodes only these (Image.open(formats=...)): what WeChat sends as photos and screenshots
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"),
           "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 60_000_000           # a phone photo is 12-50 MP; beyond this a small file is a decompression bomb
THUMB_SIDE = 240
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


class FetchError(Exception):
    """The picture could not be had. `permanent`: trying again gives the same answer (too big, not an image, a
    host we do not fetch from), so the receipt fails at once; otherwise it is retried later. The message is the
    Chinese reason kept on the row and told to the sender."""

    def __init__(self, reason, permanent=False, status=None):
        super().__init__(reason)
        self.permanent = permanent
        self.status = status          # the image server's HTTP status, when that was the answer


def host_allowed(url, hosts):
    """True for an http(s) URL whose host is one of `hosts` or a subdomain of one ('mmbiz.qpic.cn' under
    'qpic.cn'); the port is not checked."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    for allowed in hosts:
        allowed = str(allowed).strip().rstrip(".").lower()
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


def fetch(url, settings, session=None):
    """The bytes of the picture at `url` (an allowed host; redirects followed only within the allowed hosts).

    `settings`: the expense plugin's `receipts` section. Raises FetchError."""
    hosts, cap = settings["hosts"], int(settings["max_bytes"])
    timeout = (float(settings["connect_timeout_seconds"]), float(settings["read_timeout_seconds"]))
    deadline = time.monotonic() + float(settings["fetch_deadline_seconds"])
    session = session or requests
    for _ in range(MAX_REDIRECTS + 1):
        if not host_allowed(url, hosts):
            raise FetchError(f"图片地址的主机不在允许的范围内（{urlsplit(url).hostname or url[:40]}）", permanent=True)
        try:
            response = session.get(url, stream=True, timeout=timeout, allow_redirects=False,
                                   headers={"Accept": "image/*"})
        except requests.RequestException as exc:
            raise FetchError(f"连接图片服务器失败（{type(exc).__name__}）") from None
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise FetchError(f"图片服务器返回 HTTP {response.status_code}", status=response.status_code)
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not content_type.startswith("image/"):
                raise FetchError(f"返回的不是图片（{content_type[:40] or '没有 Content-Type'}）", permanent=True)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise FetchError(f"图片超过 {cap // (1024 * 1024)} MB", permanent=True)
            return _read_capped(response, cap, deadline)
    raise FetchError(f"图片地址重定向超过 {MAX_REDIRECTS} 次", permanent=True)


def fetch_media(config, media_id, settings):
    """The bytes of the image message's temporary media from WeChat (/cgi-bin/media/get with the shared
    access_token; bot/wechat_api.py), within the same size cap and deadline as `fetch`. Raises FetchError:
    permanent when WeChat does not have it (40007: unknown, or older than its 3 days) or it is too big."""
    from bot.wechat_api import MEDIA_TOO_LARGE, NETWORK_ERROR, TOKEN_ERRORS, PushError, WeChatAPI
    cap = int(settings["max_bytes"])
    api = WeChatAPI(config)
    try:
        content_type, data = api.get_media(
            media_id, cap, timeout=(float(settings["connect_timeout_seconds"]), float(settings["read_timeout_seconds"])),
            deadline_seconds=float(settings["fetch_deadline_seconds"]))
    except PushError as exc:
        if exc.errcode == MEDIA_TOO_LARGE:
            raise FetchError(f"图片超过 {cap // (1024 * 1024)} MB", permanent=True) from None
        temporary = exc.errcode in (NETWORK_ERROR, 45009) or exc.errcode in TOKEN_ERRORS
        raise FetchError(f"微信素材接口返回 {exc.errcode} {exc.errmsg[:60]}".rstrip(), permanent=not temporary) from None
    if not content_type.startswith("image/"):
        raise FetchError(f"微信素材不是图片（{content_type[:40] or '没有 Content-Type'}）", permanent=True)
    return data


def media_configured(config):
    """True when the WeChat API can be called (wechat.app_id and wechat.app_secret are set)."""
    wechat = config.get("wechat") or {}
    return bool(wechat.get("app_id") and wechat.get("app_secret"))


def _read_capped(response, cap, deadline):
    data = bytearray()
    try:
        for chunk in response.iter_content(CHUNK):
            data += chunk
            if len(data) > cap:
                raise FetchError(f"图片超过 {cap // (1024 * 1024)} MB", permanent=True)
            if time.monotonic() > deadline:
                raise FetchError("取图片超时（总时长）")
    except requests.RequestException as exc:
        raise FetchError(f"读取图片中断（{type(exc).__name__}）") from None
    return bytes(data)


def decode(data):
    """(Pillow image, content type, extension) of bytes that decode as one of FORMATS, within MAX_PIXELS; raises
    FetchError(permanent) for anything else (a truncated file, HTML, a decompression bomb)."""
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
            width, height = probe.size
            probe.verify()
        if width * height > MAX_PIXELS:
            raise FetchError(f"图片像素过多（{width}×{height}）", permanent=True)
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        if image.format == "JPEG":
            image.draft("RGB", (THUMB_SIDE * 2, THUMB_SIDE * 2))   # decoded at 1/2..1/8 scale: all of it, faster
        image.load()
    except FetchError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FetchError("图片像素过多", permanent=True) from None
    except Exception as exc:       # Pillow raises many kinds (UnidentifiedImageError, SyntaxError, OSError...)
        raise FetchError(f"不是有效的图片（{type(exc).__name__}）", permanent=True) from None
    content_type, extension = FORMATS[image.format]
    return image, content_type, extension


def thumbnail_bytes(image):
    """A JPEG at most THUMB_SIDE px on its long side, turned as the camera said (EXIF), on white where the image is
    transparent."""
    thumb = ImageOps.exif_transpose(image.copy()) if image.format == "JPEG" else image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if thumb.mode in ("RGBA", "LA", "P", "PA"):
        thumb = thumb.convert("RGBA")
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    elif thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()


def store(folder, data):
    """Decode `data`, write it and its thumbnail under `folder`; returns the row's fields (sha256, content_type,
    size_bytes, path, thumb_path, relative to folder). Content-addressed: identical bytes share one file, which is
    then not written again. Raises FetchError (not an image) or OSError (disk)."""
    image, content_type, extension = decode(data)
    digest = hashlib.sha256(data).hexdigest()
    path, thumb_path = f"{digest[:2]}/{digest}.{extension}", f"{digest[:2]}/{digest}-thumb.jpg"
    try:
        thumb = thumbnail_bytes(image)
    except Exception as exc:
        raise FetchError(f"无法生成缩略图（{type(exc).__name__}）", permanent=True) from None
    finally:
        image.close()
    _write_once(os.path.join(folder, path), data)
    _write_once(os.path.join(folder, thumb_path), thumb)
    return {"sha256": digest, "content_type": content_type, "size_bytes": len(data), "path": path,
            "thumb_path": thumb_path}


def _write_once(target, data):
    """Write `data` to `target` through a temp name in the same folder and a rename (durable), unless a file of
    that name is already there (same name, same bytes); nothing of the temp name is left if it fails."""
    if os.path.exists(target):
        return
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f".tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

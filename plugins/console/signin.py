"""Signing in by the one-time link or from the menu (WeChat OAuth2), signing out, and the stylesheet."""

import logging
import os
import re
from urllib.parse import urlencode

import bottle

from bot.config import public_base_url
from bot.wechat_api import NETWORK_ERROR, PushError, WeChatAPI

from . import plugin
from .auth import (COOKIE, OAUTH_STATE_MINUTES, cookie_options, end_session, new_oauth_state, redeem, start_session,
                   take_oauth_code, take_oauth_state)
from .commands import console_link
from .web import EVERYONE, STAFF, VIEWS, console_page, current_visitor, query_value, redirect, render

log = logging.getLogger("teabot.console")

STATIC = os.path.join(os.path.dirname(VIEWS), "static")
_WHY = {
    "used": "这个登录链接已经用过了。",
    "expired": "这个登录链接已过期（10 分钟内有效）。",
    "unknown": "这个登录链接无效。",
}


@plugin.route("GET", "/console/login/<token>")
def sign_in(app, token):
    """Exchange a one-time link for a session; a used, expired or unknown link signs nobody in."""
    with app.transaction() as tx:
        session, openid_or_why = redeem(tx, app.config, token)
    if session is None:
        return render("message.tpl", None, status=403, title="无法登录",
                      message=_WHY[openid_or_why] + "请在公众号里重新发送 89 获取新的登录链接。")
    return _signed_in(app, session, openid_or_why)


def _signed_in(app, session, openid):
    """Set the session cookie and go to the visitor's first page: 概览 for staff, 我的 for members."""
    bottle.response.set_cookie(COOKIE, session, **cookie_options(app.config))
    staff = app.roles_of(openid) & set(STAFF)
    return redirect("/console" if staff else "/console/me")


# --- from the menu: WeChat OAuth2 (snsapi_base) -------------------------------------------------------------------

OAUTH_PATH = "/console/oauth"
CALLBACK_PATH = "/console/oauth/callback"
OAUTH_COOKIE = "teabot_oauth"     # binds the state to the browser that asked (no sign-in started elsewhere lands here)
_TOKENISH = re.compile(r"[A-Za-z0-9_\-.~]{8,128}")
_AGAIN = "请回到公众号重新点菜单里的“控制台”，或发送 89 获取登录链接。"


def _oauth_refusal(status, title, message, why):
    log.info("console oauth sign-in refused (%s) from %s", why, bottle.request.remote_addr)
    bottle.response.delete_cookie(OAUTH_COOKIE, path=OAUTH_PATH)
    return render("message.tpl", None, status=status, title=title, message=message)


@plugin.route("GET", OAUTH_PATH)
def oauth_start(app):
    """The menu's 控制台 button: off to WeChat's authorize page (snsapi_base: WeChat asks nothing, it only says who
    this is), with a state that is used once, expires, and is bound to this browser by a cookie."""
    wechat = app.config.get("wechat") or {}
    base = public_base_url(app.config)
    if not base:
        return _oauth_refusal(404, "控制台未开通", "网页控制台还没有开通（管理员未设置 server.public_base_url）。", "no base")
    if not (wechat.get("app_id") and wechat.get("app_secret")):
        return _oauth_refusal(403, "请用 89 登录", "这个公众号不能从菜单直接登录控制台。请在公众号里发送 89 获取登录链接，"
                                                 "在微信中打开即可登录。", "no app_id")
    visitor = current_visitor(app)
    if visitor is not None:                   # already signed in: no round trip through WeChat
        return redirect("/console" if visitor.staff else "/console/me")
    with app.transaction() as tx:
        state = new_oauth_state(tx)
    options = cookie_options(app.config)
    bottle.response.set_cookie(OAUTH_COOKIE, state, **{**options, "path": OAUTH_PATH,
                                                        "max_age": OAUTH_STATE_MINUTES * 60})
    query = urlencode({"appid": wechat["app_id"], "redirect_uri": base + CALLBACK_PATH, "response_type": "code",
                       "scope": "snsapi_base", "state": state})
    bottle.response.status = 302
    bottle.response.set_header("Location", f"{wechat['oauth_authorize_url']}?{query}#wechat_redirect")
    bottle.response.set_header("Cache-Control", "no-store")
    return ""


@plugin.route("GET", CALLBACK_PATH)
def oauth_callback(app):
    """WeChat's redirect back with ?code&state: the state must be ours, unused, unexpired and this browser's; the code
    is exchanged once for the openid, which starts the same session as a `89` link (members and staff only)."""
    code, state = query_value("code"), query_value("state")
    if not code:
        return _oauth_refusal(400, "登录没有完成", "微信没有给出授权，登录没有完成。" + _AGAIN, "no code")
    if not _TOKENISH.fullmatch(code) or not _TOKENISH.fullmatch(state):
        return _oauth_refusal(400, "无法登录", "登录参数不对。" + _AGAIN, "malformed")
    cookie = bottle.request.get_cookie(OAUTH_COOKIE) or ""
    if not cookie or cookie != state:
        return _oauth_refusal(403, "无法登录", "这个登录请求不是从这个浏览器发起的。" + _AGAIN, "state not this browser's")
    with app.transaction() as tx:
        why = take_oauth_state(tx, state)
        fresh_code = why == "ok" and take_oauth_code(tx, code)
    if why != "ok":
        text = {"used": "这个登录请求已经用过了。", "expired": f"这个登录请求已过期（{OAUTH_STATE_MINUTES} 分钟内有效）。"}
        return _oauth_refusal(403, "无法登录", text.get(why, "这个登录请求无效。") + _AGAIN, f"state {why}")
    if not fresh_code:
        return _oauth_refusal(403, "无法登录", "这个授权码已经用过了。" + _AGAIN, "code replayed")
    try:
        data = WeChatAPI(app.config).get_plain("/sns/oauth2/access_token",
                                               {"code": code, "grant_type": "authorization_code"})
    except PushError as exc:       # its message may hold the URL (secret, code): only the errcode is logged
        if exc.errcode == NETWORK_ERROR:
            return _oauth_refusal(502, "暂时无法登录", "暂时连不上微信，请稍后再点一次菜单里的“控制台”，或发送 89 获取登录"
                                                     "链接。", "wechat unreachable")
        return _oauth_refusal(403, "无法登录", "微信说这个授权码无效或已过期。" + _AGAIN, f"code refused {exc.errcode}")
    openid = data.get("openid")
    if not isinstance(openid, str) or not 1 <= len(openid) <= 128:
        return _oauth_refusal(502, "暂时无法登录", "微信的回答里没有用户标识，请稍后再试，或发送 89 获取登录链接。",
                              "no openid")
    roles = app.roles_of(openid)
    if not roles & set(EVERYONE):               # what `89` answers them in the chat
        command = next(c for c in plugin.commands if c.handler is console_link)
        return _oauth_refusal(403, "无法登录", app.router.not_allowed(command, roles, app.user(openid)),
                              "neither member nor staff")
    with app.transaction() as tx:
        session = start_session(tx, app.config, openid)
    log.info("console oauth sign-in for %s", openid)
    bottle.response.delete_cookie(OAUTH_COOKIE, path=OAUTH_PATH)
    return _signed_in(app, session, openid)


@console_page("/console/logout", roles=EVERYONE, methods=("POST",))
def sign_out(app, visitor):
    with app.transaction() as tx:
        end_session(tx, bottle.request.get_cookie(COOKIE))
    bottle.response.delete_cookie(COOKIE, path="/console")
    return render("message.tpl", None, title="已退出", message="你已退出控制台。需要时在公众号发送 89 重新登录。")


@plugin.route("GET", "/console/static/<name>")
def static(app, name):
    if name != "console.css":
        return render("message.tpl", current_visitor(app), status=404, title="没有这个页面", message="没有这个文件。")
    response = bottle.static_file(name, root=STATIC, mimetype="text/css", charset="utf-8")
    response.set_header("Cache-Control", "public, max-age=3600")
    return response

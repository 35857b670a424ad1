"""Signing in by the one-time link, signing out, and the stylesheet."""

import os

import bottle

from . import plugin
from .auth import COOKIE, cookie_options, end_session, redeem
from .web import EVERYONE, STAFF, VIEWS, console_page, current_visitor, redirect, render

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
    bottle.response.set_cookie(COOKIE, session, **cookie_options(app.config))
    staff = app.roles_of(openid_or_why) & set(STAFF)
    return redirect("/console" if staff else "/console/me")


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

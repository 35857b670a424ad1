"""What every console page shares: who is asking (the session), what they may see (roles), the CSRF check of every
changing form, and rendering (bottle's SimpleTemplate, which escapes every value unless told not to)."""

import functools
import os
from dataclasses import dataclass

import bottle

from bot.ledger import display_name
from bot.plugin import ADMIN, FINANCE, MEMBER
from bot.text import is_number  # noqa: F401  (the pages import it from here)

from . import plugin
from .auth import COOKIE, csrf_ok, session_of

VIEWS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "views")
STAFF = (ADMIN, FINANCE)
EVERYONE = (MEMBER, ADMIN, FINANCE)

# (path, label, roles that see it): the navigation, in order
NAV = [
    ("/console", "概览", STAFF),
    ("/console/records", "记录", STAFF),
    ("/console/people", "人员", (ADMIN,)),
    ("/console/teams", "小组", (ADMIN,)),
    ("/console/settlements", "结算", STAFF),
    ("/console/payments", "付款", STAFF),
    ("/console/lotteries", "抽奖", STAFF),
    ("/console/reports", "报表", STAFF),
    ("/console/audit", "审计", STAFF),
    ("/console/me", "我的", EVERYONE),
]
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


@dataclass
class Visitor:
    """The signed-in person: openid, roles, the name shown, the session's CSRF token."""
    openid: str
    roles: frozenset
    name: str
    csrf: str

    def is_(self, role):
        return role in self.roles

    @property
    def staff(self):
        return bool(self.roles & set(STAFF))


def current_visitor(app):
    session = session_of(app.store, bottle.request.get_cookie(COOKIE))
    if session is None:
        return None
    roles = app.roles_of(session["openid"])
    if not roles & set(EVERYONE):            # a member who has left, or a role taken away since signing in
        return None
    return Visitor(session["openid"], roles, display_name(app.store, app.config, session["openid"]), session["csrf"])


def nav_for(visitor):
    if visitor is None:
        return []
    return [(path, label) for path, label, roles in NAV if visitor.roles & set(roles)]


def render(template, visitor=None, status=200, **values):
    bottle.response.status = status
    bottle.response.content_type = "text/html; charset=utf-8"
    for name, value in SECURITY_HEADERS.items():
        bottle.response.set_header(name, value)
    return bottle.template(template, template_lookup=[VIEWS], visitor=visitor, nav=nav_for(visitor),
                           here=bottle.request.path, **values)


def refuse_page(visitor, status, title, message):
    return render("message.tpl", visitor, status=status, title=title, message=message)


def console_page(path, roles=STAFF, methods=("GET",)):
    """Declare a console page: function(app, visitor, **url_args). Not signed in: 401 and how to sign in; a role
    that may not see it: 403; a POST without the session's CSRF token: 403, and nothing is done."""
    def register(function):
        @functools.wraps(function)
        def guarded(app, **url_args):
            visitor = current_visitor(app)
            if visitor is None:
                return refuse_page(None, 401, "请先登录", "请在公众号里发送 89 获取登录链接，在微信中打开即可登录。")
            if not visitor.roles & set(roles):
                return refuse_page(visitor, 403, "没有权限", "这个页面你没有权限查看。")
            if bottle.request.method == "POST" and not csrf_ok({"csrf": visitor.csrf}, bottle.request.forms.get("csrf")):
                return refuse_page(visitor, 403, "表单已失效", "这个表单已失效（缺少或不对的校验码），没有执行任何操作。"
                                                          "请回到页面重新操作。")
            return function(app, visitor, **url_args)
        for method in methods:
            plugin.route(method, path)(guarded)
        return function
    return register


def form_value(name, default=""):
    """A submitted form field as text (bottle decodes it as UTF-8), stripped."""
    return (bottle.request.forms.getunicode(name) or default).strip()


def query_value(name, default=""):
    return (bottle.request.query.getunicode(name) or default).strip()


def redirect(path):
    """After a POST: back to a page with GET (303), so a reload does not send the form again."""
    bottle.response.status = 303
    bottle.response.set_header("Location", path)
    bottle.response.set_header("Cache-Control", "no-store")
    return ""

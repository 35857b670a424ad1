"""The web console: the admin, finance and members browse and act on the ledger from a browser, including
WeChat's own on a phone. Server-rendered HTML, self-hosted CSS, no JavaScript needed.

Sign-in needs no password: `89` replies with a one-time link (auth.py). Every page checks the session and the
role, every form that changes something carries the session's CSRF token, and every change goes through the
same domain functions as the chat commands, with the actor audited the same way."""

from bot.config import PluginSettings, setting
from bot.plugin import Plugin


class ConsoleSettings(PluginSettings):
    session_hours: float = setting(8, "登录后多久需要重新获取登录链接（小时）", gt=0, le=24 * 30)
    link_minutes: float = setting(10, "89 发出的登录链接有效期（分钟），只能用一次", gt=0, le=60)


plugin = Plugin("console", "控制台", "网页控制台：人员、小组、记录、结算、报表与审计",
                settings_model=ConsoleSettings, requires=("expense", "settle", "register"))

def _import_pages():
    """Every module of the package: each declares its routes (one module per page) on `plugin`."""
    import importlib
    import pkgutil
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


_import_pages()

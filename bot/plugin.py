"""Plugin declarations: a plugin names itself and declares its commands, migrations, web routes, jobs and
CLI sub-commands in one place; help text, permissions and start-up checks are derived from that."""

import functools
import importlib
import inspect
import os
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

from .config import PluginSettings, with_defaults
from .confirm import NeedsConfirmation

ANYONE = "anyone"
MEMBER = "member"
PENDING = "pending"
ADMIN = "admin"
FINANCE = "finance"

ROLE_NAMES = {ANYONE: "所有人", MEMBER: "组员", PENDING: "待审核", ADMIN: "管理员", FINANCE: "财务"}


class ArgError(ValueError):
    """The command's arguments are wrong; the router replies with this message plus usage and example."""


class Refusal(Exception):
    """The request is understood but cannot be done (e.g. a record is already reimbursed): reply as is."""


@dataclass
class Command:
    number: int
    name: str                     # Chinese name shown in menus
    handler: Callable
    roles: tuple                  # who may use it
    usage: str                    # argument pattern, e.g. "1 金额 [说明] [日期]"
    examples: tuple               # texts that run as tests
    aliases: tuple = ()
    plugin: Any = None
    menu: dict = field(default_factory=dict)   # role -> menu line for a role that may do only part of it
    full_list: str = ""           # the web path holding the whole list a long reply of this command pages through

    @property
    def summary(self):
        """The docstring's first line: the menu line."""
        return (inspect.getdoc(self.handler) or self.name).splitlines()[0]

    def summary_for(self, roles):
        """The menu line for these roles: the full one if any of them may do all of it, else the part's line."""
        mine = [r for r in self.roles if r in roles or r == ANYONE]
        if not self.menu or any(r not in self.menu for r in mine):
            return self.summary
        return self.menu[mine[0]]

    @property
    def help_text(self):
        return inspect.getdoc(self.handler) or self.name

    def allowed(self, roles):
        return ANYONE in self.roles or bool(set(self.roles) & set(roles))


@dataclass
class Plugin:
    name: str
    title: str                    # Chinese title
    description: str = ""         # one line, in the config template's comment on the plugin's section
    settings_model: type = PluginSettings  # its `plugins.<name>` keys: names, types, defaults, config.yaml comments
    commands: list = field(default_factory=list)
    migrations: list = field(default_factory=list)     # [(name, function(db))]
    routes: list = field(default_factory=list)         # [(method, path, function(app) -> bottle callback)]
    cli_commands: dict = field(default_factory=dict)   # name -> (function(app, argv) -> int, help)
    start_hooks: list = field(default_factory=list)    # function(app) called by `serve` after the scheduler starts
    event_hooks: dict = field(default_factory=dict)    # WeChat event type -> [function(ctx)], see on_event
    message_hooks: dict = field(default_factory=dict)  # WeChat MsgType other than text -> [function(ctx)], see on_message
    config_checks: list = field(default_factory=list)  # function(config) -> [problems]
    health_hooks: list = field(default_factory=list)   # function(app) -> dict merged into /healthz (public)
    status_hooks: list = field(default_factory=list)   # function(app) -> dict merged into `run_bot.py status`
    requires: tuple = ()          # plugins whose tables or functions this one uses: loaded and migrated first
    onboarding: str = ""          # how someone who is not a member yet gets in (shown in menus and unknown replies)
    guest_replies: list = field(default_factory=list)  # function(roles, user) -> reply or None, see guest_reply
    report_sheets: list = field(default_factory=list)  # ReportSheet declarations, see report_sheet
    serve_checks: list = field(default_factory=list)   # function(config, log) -> refusal text or None, see before_serve
    jobs: list = field(default_factory=list)           # Job declarations, see job
    module: Any = None

    def command(self, number, name, *, roles=(MEMBER,), usage="", example=(), aliases=(), menu=None, full_list=""):
        """Declare a chat command; the function takes a Context and returns the reply text. `menu` gives the
        menu line for a role that may use only part of the command (finance may preview a settlement, not do it).
        `full_list`: the web path (a route some plugin declares, e.g. the console's) with the whole list, named
        at the end of each page when a reply is too long for one and server.public_base_url is set."""
        examples = (example,) if isinstance(example, str) else tuple(example)

        def register(function):
            self.commands.append(Command(number, name, function, tuple(roles), usage or str(number),
                                         examples, tuple(aliases), self, dict(menu or {}), full_list))
            return function
        return register

    def migration(self, function):
        """Declare the plugin's next schema migration, a function taking a connection (plain SQL through
        `.execute`), run once in its own transaction, in declaration order; named '<plugin>.<function name>',
        which is what the `migrations` table records: never rename or edit one that has shipped, add the next."""
        self.migrations.append((f"{self.name}.{function.__name__}", function))
        return function

    def guest_reply(self, function):
        """Declare what a member-only command answers someone who is not a member (yet, or any more):
        function(roles, user) -> text or None, `user` being their users row or None. The register plugin says how
        to register, that the request is waiting, or that they have left."""
        self.guest_replies.append(function)
        return function

    def report_sheet(self, title, order, header):
        """Declare a sheet of the daily report, after the ledger's own sheets, by `order` whichever plugin declares
        it: function(reader, day) -> {"rows": iterable of lists, "money_columns": [...], "datetime_columns": [...],
        "widths": {...}}, where `reader` reads the report's one snapshot (.query, .one, .app). While the plugin
        is disabled the sheet is still there, with its header and no rows, so finance always finds it."""
        def register(function):
            self.report_sheets.append(ReportSheet(title, order, tuple(header), function, self))
            return function
        return register

    def job(self, name, trigger, **trigger_args):
        """Declare a scheduled job: function(app) run by APScheduler with `trigger` ('cron', 'interval') and its
        arguments (hour=, minute=, seconds=...); each run gets its units of work from app.transaction()."""
        def register(function):
            self.jobs.append(Job(f"{self.name}.{name}", function, trigger, dict(trigger_args), self))
            return function
        return register

    def route(self, method, path):
        """Declare a web route; the function takes (app, request-bound bottle args) and returns the body."""
        def register(function):
            self.routes.append((method, path, function))
            return function
        return register

    def cli(self, name, help=""):
        """Declare `python run_bot.py NAME ...`; the function takes (app, argv) and returns an exit code."""
        def register(function):
            self.cli_commands[name] = (function, help or (inspect.getdoc(function) or "").splitlines()[0])
            return function
        return register

    def before_serve(self, function):
        """Declare a check `serve` runs before it opens the database: function(config, log) -> None to go on, or
        the text (for stderr) of why the server must not start (e.g. a restore was interrupted)."""
        self.serve_checks.append(function)
        return function

    def on_start(self, function):
        self.start_hooks.append(function)
        return function

    def on_event(self, event_type):
        def register(function):
            self.event_hooks.setdefault(event_type, []).append(function)
            return function
        return register

    def on_message(self, msg_type):
        """Declare function(ctx) -> reply text for a WeChat message that is not text ('image', 'video', ...).
        `ctx.message` holds the message's fields (PicUrl, MediaId, MsgId, CreateTime...), `ctx.db` its
        transaction, `ctx.msg_id` its MsgId; it runs as a command does (once per MsgId, reply saved for WeChat's
        retries, Refusal's text as the reply, any other error rolled back and answered with an error id). The first
        enabled plugin whose function returns text answers; '' passes the message on."""
        def register(function):
            self.message_hooks.setdefault(msg_type.lower(), []).append(function)
            return function
        return register

    def check_config(self, function):
        self.config_checks.append(function)
        return function

    def health(self, function):
        """Declare what the plugin adds to /healthz: states, ages and counts only (it is public behind nginx)."""
        self.health_hooks.append(function)
        return function

    def status(self, function):
        """Declare the details `run_bot.py status` adds to the plugin's /healthz part: paths, error texts."""
        self.status_hooks.append(function)
        return function

    def settings(self, config):
        """This plugin's section of `plugins:` in the config, over the defaults its settings_model declares."""
        return with_defaults(self.settings_model, (config.get("plugins") or {}).get(self.name))

    def enabled(self, config):
        return self.settings(config).get("enabled", True) is not False


@dataclass
class ReportSheet:
    """A sheet a plugin adds to the daily report: its title, where it goes (`order`), and the function that
    writes it."""
    title: str
    order: int
    header: tuple
    function: Callable
    plugin: Any = None


@dataclass
class Job:
    """A scheduled job a plugin declares: its id, the function(app), APScheduler's trigger and arguments."""
    id: str
    function: Callable
    trigger: str
    trigger_args: dict
    plugin: Any = None


@dataclass
class Context:
    """What a command (or event hook) sees: who asks, their roles and team, the arguments, the message's
    transaction `db` (bot/unit.py), settings, now. Everything it writes through `db`, and every `push`, is
    committed with the reply, or not at all."""
    app: Any
    db: Any
    openid: str
    roles: frozenset
    user: dict | None
    group: dict | None
    args: list                    # tokens after the command
    rest: str                     # the raw text after the command
    now: Any                      # aware datetime in the configured timezone
    msg_id: str | None = None
    command: Command | None = None
    confirmed: str | None = None  # the prompt the user confirmed with “确认”, when this run is that confirmation
    plugin: Any = None
    message: dict = field(default_factory=dict)   # an event's or non-text message's fields (on_event, on_message)

    @property
    def config(self):
        return self.app.config

    @functools.cached_property
    def settings(self):
        """The command's plugin settings (defaults applied), read once per message."""
        return self.plugin.settings(self.app.config) if self.plugin else {}

    @property
    def tz(self):
        return self.app.tz

    def push(self, openid, text, kind="", notice="", fields=None):
        """A message to another user: recorded in this message's transaction, sent once it has committed (as the
        `notice` template with `fields` outside the 48-hour window: docs/notices.md)."""
        return self.db.push(openid, text, kind=kind, notice=notice, fields=fields)

    def is_(self, role):
        return role in self.roles

    def confirm(self, prompt):
        """Ask the user to confirm `prompt` (exactly what will happen) before going on: returns only in the run
        their “确认” starts, and only if the handler arrives at the same prompt again (see bot/confirm.py)."""
        if self.confirmed != prompt:
            raise NeedsConfirmation(prompt)


class Registry:
    """Every loaded plugin and command, with lookups by number and alias."""

    def __init__(self, plugins):
        self.plugins = plugins
        self.by_key = {}
        problems = []
        for plugin in plugins:
            for command in plugin.commands:
                for key in (str(command.number), *[a.lower() for a in command.aliases]):
                    if key in self.by_key:
                        other = self.by_key[key]
                        problems.append(f"命令 {key} 重复：{other.plugin.name}.{other.handler.__name__} 与 "
                                        f"{plugin.name}.{command.handler.__name__}")
                    self.by_key[key] = command
        if problems:
            raise ValueError("；".join(problems))

    @property
    def commands(self):
        return sorted({id(c): c for c in self.by_key.values()}.values(), key=lambda c: c.number)

    def find(self, key):
        return self.by_key.get(key.lower())

    def serves(self, config, path):
        """Whether an enabled plugin declares the web route `path` (a page a reply, menu or notice may link to)."""
        return any(p.enabled(config) and any(route_path == path for _, route_path, _ in p.routes)
                   for p in self.plugins)

    def migrations(self):
        """Every plugin's migrations, plugin by plugin in dependency order (see in_dependency_order)."""
        return [m for plugin in in_dependency_order(self.plugins) for m in plugin.migrations]


def load_plugins(package="plugins"):
    """Import every module of the package whose name does not start with '_' and that defines `plugin`."""
    module = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        plugin_module = importlib.import_module(f"{package}.{info.name}")
        plugin = getattr(plugin_module, "plugin", None)
        if isinstance(plugin, Plugin):
            plugin.module = plugin_module
            found.append(plugin)
    names = [p.name for p in found]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"插件名重复：{', '.join(sorted(duplicates))}")
    return in_dependency_order(found)


def in_dependency_order(plugins):
    """The plugins with each one after those it `requires` (otherwise in the given order): their migrations run
    in this order, so a table exists before a plugin that references it creates its own."""
    by_name = {p.name: p for p in plugins}
    ordered, state = [], {}

    def visit(plugin, chain):
        if state.get(plugin.name) == "done":
            return
        if state.get(plugin.name) == "visiting":
            raise ValueError(f"插件互相依赖：{' -> '.join(chain + [plugin.name])}")
        state[plugin.name] = "visiting"
        for name in plugin.requires:
            if name not in by_name:
                raise ValueError(f"插件 {plugin.name} 需要插件 {name}，但没有找到它")
            visit(by_name[name], chain + [plugin.name])
        state[plugin.name] = "done"
        ordered.append(plugin)

    for plugin in plugins:
        visit(plugin, [])
    return ordered

#!/usr/bin/env python3
"""teabot command line: serve (default), chat, check, and the sub-commands plugins declare."""

import argparse
import gc
import logging
import os
import signal
import sys

from bot import VERSION
from bot.config import ConfigError, config_template, load_config, redacted, validate


def _parse(argv):
    parser = argparse.ArgumentParser(prog="run_bot.py", description="teabot 下午茶记账机器人")
    parser.add_argument("--config", help="配置文件路径（默认 config.yaml 或环境变量 TEABOT_CONFIG）")
    parser.add_argument("command", nargs="?", default="serve",
                        help="serve | chat | check | status | menu | config-template | 插件命令（见 help）")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="子命令参数")
    return parser.parse_args(argv)


def _build(config):
    from bot.app import App
    return App(config).setup()


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "config-template":
        from bot.plugin import load_plugins
        print(config_template(load_plugins()), end="")
        return 0
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    if args.command in ("check", "serve", "menu"):
        from bot.plugin import load_plugins
        plugins = load_plugins()
        problems = _problems(config, plugins)
        if args.command == "check":
            return _check(config, plugins, problems)
        if args.command == "menu":
            return _menu(config, plugins, problems, args.rest)
        if problems:
            print(f"配置文件 {config['_path']} 有 {len(problems)} 个问题，服务不启动，请修正后再启动：\n"
                  + "\n".join(f"- {p}" for p in problems), file=sys.stderr)
            return 2
        return _serve(config, plugins)
    problems = validate(config)
    if problems:
        print("配置有误，请修正后再启动：\n" + "\n".join(f"- {p}" for p in problems), file=sys.stderr)
        return 2
    if args.command == "chat":
        from bot import console
        app = _build(config)
        return console.run(app)
    if args.command == "status":
        return _status(_build(config))
    from bot.app import App
    app = App(config)
    for plugin in app.plugins:
        if args.command in plugin.cli_commands:
            function, _ = plugin.cli_commands[args.command]
            if not getattr(function, "skip_setup", False):   # restore: the file it replaces is left as it is
                app.setup()
            code = function(app, args.rest)
            app.pusher.flush(10)
            return code
    if args.command in ("help", "-h"):
        print("命令：serve（默认）、chat、check、status（/healthz 的全部细节）、menu push|show|delete（公众号自定义菜单）、"
              "config-template（按声明生成 config.yaml）")
        for plugin in app.plugins:
            for name, (_, text) in plugin.cli_commands.items():
                print(f"  {name}: {text}")
        return 0
    print(f"未知命令：{args.command}。可用：serve、chat、check、status、menu、config-template"
          + "".join(f"、{n}" for p in app.plugins for n in p.cli_commands), file=sys.stderr)
    return 2


def _problems(config, plugins):
    """What `check` and `serve` refuse: keys, types and ranges against the declarations, duplicate commands, and
    each plugin's own checks, which run only once the declared types hold (they may rely on them)."""
    from bot.menu import menu_problems
    from bot.plugin import Registry
    problems = validate(config, plugins)
    declared_ok = not problems
    try:
        registry = Registry(plugins)
    except ValueError as exc:  # duplicate command numbers or aliases
        problems.append(str(exc))
        registry = None
    if declared_ok:
        enabled = {p.name for p in plugins if p.enabled(config)}
        for plugin in plugins:
            if plugin.name in enabled:
                problems += [f"plugins.{plugin.name} 需要插件 {name}，但 plugins.{name}.enabled 是 false：请同时关闭 "
                             f"{plugin.name}，或打开 {name}" for name in plugin.requires if name not in enabled]
            for check in plugin.config_checks:
                problems += check(config)
        if registry is not None:
            problems += menu_problems(config, registry)
    return problems


def _menu(config, plugins, problems, argv):
    """`menu push|show|delete`: the account's custom menu (bot/menu.py); push is refused while check finds
    problems."""
    from bot.menu import run
    from bot.plugin import Registry
    try:
        registry = Registry(plugins)
    except ValueError as exc:
        print(f"命令声明有问题：{exc}", file=sys.stderr)
        return 2
    return run(config, registry, argv, problems)


def _check(config, plugins, problems):
    if problems:
        print(f"配置文件 {config['_path']} 有 {len(problems)} 个问题：")
        for problem in problems:
            print(f"- {problem}")
        return 1
    print(f"配置正确（teabot {VERSION}，{config['_path']}）。")
    if not config["wechat"]["token"]:
        print("提示：wechat.token 未设置，/wechat 会拒绝所有请求；本地可用 `python run_bot.py chat` 试用。")
    import json
    effective = {**config, "plugins": {p.name: p.settings(config) for p in plugins}}   # with every default
    print(json.dumps(redacted(effective), ensure_ascii=False, indent=2))
    return 0


def _status(app):
    """`status`: what /healthz says, with the details it keeps from the public (paths, error texts, version);
    exit status 1 when the status is not ok."""
    import json
    from bot.web import health
    data = health(app, detailed=True)
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return 0 if data["status"] == "ok" else 1


GC_YOUNG_THRESHOLD = 20_000          # allocations between collections of the youngest generation (default 700)


def _tune_gc_for_serving():
    """What start-up built (modules, plugins, config, caches) leaves the collector's view (gc.freeze), and the
    youngest generation is collected every 20,000 allocations instead of 700: under load the collections,
    above all those walking every object, showed as the slowest 1% of replies (docs/bench.md: p99 ~1.9x ->
    ~1.6x of the echo server's). Reference cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _stop_on_sigterm():
    """systemd (and docker, and kill) stop a service with SIGTERM: stop as on Ctrl-C, so the running requests
    finish (their replies are saved with their transactions) and queued pushes are flushed."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupt)


def _serve(config, plugins):
    from bot import scheduler, web
    from bot.db import ServerRunning, hold_server_lock
    log = logging.getLogger("teabot")
    try:
        lock = hold_server_lock(config["database"])   # noqa: F841  (held until this process ends)
    except ServerRunning:
        print(f"另一个 teabot 服务正在使用数据库 {config['database']}：同一个数据库只能运行一个服务。", file=sys.stderr)
        return 2
    for plugin in plugins:
        for check in plugin.serve_checks if plugin.enabled(config) else ():
            refusal = check(config, log)
            if refusal:
                print(refusal, file=sys.stderr)
                return 2
    app = _build(config)
    from bot.money import preload_chinese_numerals
    preload_chinese_numerals()      # its ~0.3 s import now, not inside the first message with 一百块
    app.pusher.resume()
    if not config["wechat"]["token"]:
        log.warning("wechat.token 未设置：/wechat 将拒绝所有请求（本地试用请运行 python run_bot.py chat）")
    scheduler.start(app)
    host, port = config["server"]["host"], config["server"]["port"]
    log.info("teabot %s listening on http://%s:%s (wechat endpoint /wechat, health /healthz)", VERSION, host, port)
    _tune_gc_for_serving()
    _stop_on_sigterm()
    try:
        web.serve(app, host, port, threads=config["server"]["threads"])
    finally:
        app.scheduler.shutdown(wait=False)
        app.pusher.flush(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())

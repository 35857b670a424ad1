"""The baseline for bench_wechat.py: a bare WeRoBot echo server served by waitress, nothing else.

    python bench/echo_server.py --port 8091 --token TOKEN --threads 8

Sessions are off (WeRoBot's default would write a SQLite session row per message), so this is the fastest a
WeRoBot text handler behind waitress can answer: teabot is compared against the stricter baseline.
"""

import argparse

import waitress
import werobot


def make_robot(token):
    robot = werobot.WeRoBot(token=token, SESSION_STORAGE=False)

    @robot.text
    def echo(message):
        return message.content

    return robot


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--connection-limit", type=int, default=100, help="waitress connection_limit")
    args = parser.parse_args()
    robot = make_robot(args.token)
    waitress.serve(robot.wsgi, host=args.host, port=args.port, threads=args.threads,
                   connection_limit=args.connection_limit, ident="werobot-echo")


if __name__ == "__main__":
    main()

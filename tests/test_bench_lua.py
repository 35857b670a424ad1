"""bench/sha1.lua, which signs every wrk request, agrees with Python's hashlib (run through luajit, if installed)."""

import hashlib
import random
import shutil
import subprocess
from pathlib import Path

import pytest

SHA1_LUA = Path(__file__).resolve().parent.parent / "bench" / "sha1.lua"

pytestmark = pytest.mark.skipif(shutil.which("luajit") is None, reason="luajit not installed (apt-get install luajit)")


def run_lua(program, lines):
    result = subprocess.run(["luajit", "-e", f'local sha1 = dofile("{SHA1_LUA}")\n{program}'], input="\n".join(lines),
                            capture_output=True, text=True, timeout=30, check=True)
    return result.stdout.split()


def test_sha1_matches_hashlib_across_block_boundaries():
    rng = random.Random(12)
    lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] + [rng.randrange(1, 300) for _ in range(20)]
    messages = [bytes(rng.getrandbits(8) for _ in range(n)) for n in lengths] + ["签名 nonce".encode()]
    program = ('for line in io.lines() do\n'
               '  io.write(sha1.hex((line:gsub("..", function(h) return string.char(tonumber(h, 16)) end))), "\\n")\n'
               'end')
    assert run_lua(program, [m.hex() for m in messages]) == [hashlib.sha1(m).hexdigest() for m in messages]


def test_wechat_signature_sorts_like_python():
    triples = [("benchtoken", "1764599000", "2200000001"), ("testtoken", "1764599000", "zz"), ("A", "b", "a"),
               ("9", "10", "1")]
    program = ('for line in io.lines() do\n'
               '  local t, ts, n = line:match("^(%S+) (%S+) (%S+)$")\n'
               '  io.write(sha1.wechat_signature(t, ts, n), "\\n")\n'
               'end')
    expected = [hashlib.sha1("".join(sorted(t)).encode()).hexdigest() for t in triples]
    assert run_lua(program, [" ".join(t) for t in triples]) == expected

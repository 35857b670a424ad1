-- wrk script for bench_wechat.py: POST /wechat text messages "1 12.5 bench-<MsgId>" and check every reply.
--
--   wrk -t2 -c32 -d15s -s bench/record_expense.lua http://127.0.0.1:PORT -- MODE RUN_ID USERS TOKEN ACKDIR
--
-- MODE     teabot (reply must say 已记录 and carry our note) or echo (reply must echo our Content exactly)
-- RUN_ID   digits that start every MsgId of this run (MsgIds are unique across runs and threads)
-- USERS    messages rotate over FromUserName o-bench-0000 .. o-bench-<USERS-1>
-- TOKEN    the WeChat token: each request is signed with its own nonce (its MsgId) and the current second
--          (bench/sha1.lua), since the server refuses a signature reused with another body
-- ACKDIR   each thread appends the MsgId of every checked, acknowledged reply to ACKDIR/acks-<thread>.txt
--
-- The note carries the MsgId, so each reply is matched to the request it answers: a reply that matches no
-- outstanding request of this thread, a non-200 status or a wrong body counts as bad. Latency per request
-- is timed here too (CLOCK_MONOTONIC) to count replies slower than 1 s; p50/p99/max come from wrk's summary.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local timespec = ffi.new("bench_timespec")
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local wechat_signature = dofile(here .. "sha1.lua").wechat_signature
local function now_ms()
  ffi.C.clock_gettime(1, timespec)   -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

-- per-thread state (each wrk thread has its own Lua state)
local mode, run_id, users, token
local sent = {}                 -- MsgId -> send time (ms)
local counter = 0
local ack_file
ok, bad_status, bad_body, unmatched, late, max_ms, outstanding = 0, 0, 0, 0, 0, 0, 0

function init(args)
  mode, run_id, users, token = args[1], args[2], tonumber(args[3]), args[4]
  ack_file = assert(io.open(string.format("%s/acks-%02d.txt", args[5], tid), "w"))
  ack_file:setvbuf("line")      -- a kill -9 of the server must not lose our record of what was acknowledged
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
end

function request()
  counter = counter + 1
  local msg_id = string.format("%s%02d%08d", run_id, tid, counter)
  local openid = string.format("o-bench-%04d", (tid * 7919 + counter) % users)
  local ts = tostring(os.time())
  local body = "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[" .. openid ..
      "]]></FromUserName><CreateTime>" .. ts .. "</CreateTime><MsgType><![CDATA[text]]></MsgType>" ..
      "<Content><![CDATA[1 12.5 bench-" .. msg_id .. "]]></Content><MsgId>" .. msg_id .. "</MsgId></xml>"
  sent[msg_id] = now_ms()
  outstanding = outstanding + 1
  return wrk.format("POST", "/wechat?signature=" .. wechat_signature(token, ts, msg_id) .. "&timestamp=" .. ts ..
                    "&nonce=" .. msg_id, nil, body)
end

function response(status, headers, body)
  local msg_id = body and body:match(" bench%-(%d+)")
  local started = msg_id and sent[msg_id]
  if started == nil then
    -- nothing to time it against: a refusal, an error page, or a reply to someone else's request
    if status ~= 200 then bad_status = bad_status + 1 else unmatched = unmatched + 1 end
    return
  end
  sent[msg_id] = nil
  outstanding = outstanding - 1
  local elapsed = now_ms() - started
  if elapsed > max_ms then max_ms = elapsed end
  if elapsed > 1000 then late = late + 1 end
  if status ~= 200 then
    bad_status = bad_status + 1
    return
  end
  local good
  if mode == "teabot" then
    good = body:find("已记录", 1, true) ~= nil and body:find("元 bench-" .. msg_id .. "（", 1, true) ~= nil
  else
    good = body:find("<Content><![CDATA[1 12.5 bench-" .. msg_id .. "]]></Content>", 1, true) ~= nil
  end
  if good then
    ok = ok + 1
    ack_file:write(msg_id, "\n")
  else
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests)
  local totals = {ok = 0, bad_status = 0, bad_body = 0, unmatched = 0, late = 0, outstanding = 0}
  local max_seen = 0
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do totals[key] = totals[key] + (thread:get(key) or 0) end
    local m = thread:get("max_ms") or 0
    if m > max_seen then max_seen = m end
  end
  local e = summary.errors
  io.write(string.format("BENCH requests %d\n", summary.requests))
  io.write(string.format("BENCH duration_us %d\n", summary.duration))
  io.write(string.format("BENCH errors_connect %d\nBENCH errors_read %d\nBENCH errors_write %d\n",
                         e.connect, e.read, e.write))
  io.write(string.format("BENCH errors_status %d\nBENCH errors_timeout %d\n", e.status, e.timeout))
  io.write(string.format("BENCH p50_us %d\nBENCH p99_us %d\nBENCH max_us %d\nBENCH mean_us %d\n",
                         latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
  for key, value in pairs(totals) do io.write(string.format("BENCH %s %d\n", key, value)) end
  io.write(string.format("BENCH lua_max_ms %.1f\n", max_seen))
end

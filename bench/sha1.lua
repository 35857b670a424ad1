-- SHA-1 in LuaJIT (its `bit` library) and WeChat's plaintext-mode signature, for the wrk scripts: each request
-- is signed with its own nonce, since teabot refuses a signature reused with another body.
--
--   local sha1 = dofile("bench/sha1.lua")
--   sha1.hex("abc")                                   --> "a9993e364706816aba3e25717850c26c9cd0d89d"
--   sha1.wechat_signature(token, timestamp, nonce)    --> sha1 of the three sorted and joined
--
-- Checked against Python's hashlib by tests/test_bench_lua.py.

local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local lshift, rshift, rol, tobit, tohex = bit.lshift, bit.rshift, bit.rol, bit.tobit, bit.tohex
local byte, char, rep = string.byte, string.char, string.rep

local w = {}                     -- the message schedule, reused (one Lua state per wrk thread)

local function hex(message)
  local length = #message
  local bits = length * 8        -- messages under 512 MB: the high word of the 64-bit length is 0
  message = message .. "\128" .. rep("\0", (55 - length) % 64) .. char(0, 0, 0, 0,
      band(rshift(bits, 24), 255), band(rshift(bits, 16), 255), band(rshift(bits, 8), 255), band(bits, 255))
  local h0, h1, h2, h3, h4 = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0
  for chunk = 1, #message, 64 do
    for i = 0, 15 do
      local a, b, c, d = byte(message, chunk + 4 * i, chunk + 4 * i + 3)
      w[i] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
    end
    for i = 16, 79 do
      w[i] = rol(bxor(w[i - 3], w[i - 8], w[i - 14], w[i - 16]), 1)
    end
    local a, b, c, d, e = h0, h1, h2, h3, h4
    for i = 0, 79 do
      local f, k
      if i < 20 then
        f, k = bor(band(b, c), band(bnot(b), d)), 0x5A827999
      elseif i < 40 then
        f, k = bxor(b, c, d), 0x6ED9EBA1
      elseif i < 60 then
        f, k = bor(band(b, c), band(b, d), band(c, d)), 0x8F1BBCDC
      else
        f, k = bxor(b, c, d), 0xCA62C1D6
      end
      -- five 32-bit terms add up exactly in a double; tobit takes the sum mod 2^32
      a, b, c, d, e = tobit(rol(a, 5) + f + e + k + w[i]), a, rol(b, 30), c, d
    end
    h0, h1, h2, h3, h4 = tobit(h0 + a), tobit(h1 + b), tobit(h2 + c), tobit(h3 + d), tobit(h4 + e)
  end
  return tohex(h0) .. tohex(h1) .. tohex(h2) .. tohex(h3) .. tohex(h4)
end

local function wechat_signature(token, timestamp, nonce)
  -- sorted as Python sorts strings (bytes, C locale: wrk never calls setlocale)
  local a, b, c = token, timestamp, nonce
  if a > b then a, b = b, a end
  if b > c then b, c = c, b end
  if a > b then a, b = b, a end
  return hex(a .. b .. c)
end

return {hex = hex, wechat_signature = wechat_signature}

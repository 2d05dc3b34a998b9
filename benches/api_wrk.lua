-- wrk script of benches/api_http.rs: POST /api/v1/verify with a random serial among
-- TS00000000..TS(N-1) and a random six-digit code (wrong but for about one in a
-- million) for a random end user (`client`, one of 2^24 addresses, as an application
-- names its users), the key in X-API-Key; tallies the verdicts' statuses and any other
-- answer.
-- Environment: API_KEY, TOKENS (N).
local key = os.getenv("API_KEY")
local tokens = tonumber(os.getenv("TOKENS") or "100000")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = key

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  counts = {}
  other = 0
end

request = function()
  local body = string.format('{"serial":"TS%08d","code":"%06d","client":"10.%d.%d.%d"}',
    math.random(0, tokens - 1), math.random(0, 999999),
    math.random(0, 255), math.random(0, 255), math.random(0, 255))
  return wrk.format(nil, "/api/v1/verify", nil, body)
end

function response(status, headers, body)
  local s = status == 200 and string.match(body, '"status":"([%u_]+)"')
  if s then counts[s] = (counts[s] or 0) + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local total, o = {}, 0
  for _, t in ipairs(threads) do
    o = o + t:get("other")
    for k, v in pairs(t:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, k .. "=" .. v) end
  table.sort(parts)
  io.write(string.format("VERDICTS %s OTHER %d\n", table.concat(parts, ","), o))
end

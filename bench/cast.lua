-- wrk script for bench/load_vote.py --client wrk: each connection posts confirmed ballots
-- (one per request, never the same twice) to /vote/cast/ and keeps the receipts it is shown.
-- The forms file has one ballot per line: "<Cookie header>\t<urlencoded form body>".

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  forms = {}
  local i = 0
  for line in io.lines(path) do
    if i % nthreads == id then
      local tab = line:find("\t", 1, true)
      forms[#forms + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
    end
    i = i + 1
  end
  next_form = 1
  receipts = {}
  refused = 0
  sent = 0
end

function request()
  local form = forms[next_form]
  if form == nil then
    -- Out of ballots: ask for a page that costs nothing to count as a request.
    wrk.thread:stop()
    return wrk.format("GET", "/static/does-not-exist")
  end
  next_form = next_form + 1
  sent = sent + 1
  return wrk.format("POST", "/vote/cast/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = form[1],
    ["Referer"] = "http://127.0.0.1/vote/confirm/",
  }, form[2])
end

function response(status, headers, body)
  if status == 404 then return end
  local receipt = body:match('id="receipt">%s*([^<%s]+)%s*<')
  if receipt then
    receipts[#receipts + 1] = receipt
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("WRK_RECEIPTS"), "w")
  local total_refused = 0
  for _, thread in ipairs(threads) do
    local got = thread:get("receipts")
    for _, r in ipairs(got) do out:write(r, "\n") end
    total_refused = total_refused + thread:get("refused")
  end
  out:close()
  io.write(string.format("wrk: p50 %.1f ms, p99 %.1f ms, %d requests, %d without a receipt\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, total_refused))
end

-- Turnpike for HAProxy (2.6+): an auth_request-style check with HAProxy's built-in Lua HTTP
-- client, against authz-service's forward-auth endpoint. No external Lua modules.
--
--   http-request lua.turnpike_auth http://<authz host:port>/v1/forward-auth
--
-- 2xx        -> the request goes on, with the identity headers replaced by the authorizer's
-- other      -> the authorizer's status, headers and body go to the client (the 402 itself)
-- unreachable, timeout, garbage -> 503 "authz_unavailable" with Retry-After: fail closed, never a
--               payment prompt and never a pass.

local IDENTITY_HEADERS = { "x-402-payer", "x-402-token-id", "x-402-claims", "x-402-scope" }

-- Client headers the authorizer reads (tokens, payment proofs, content negotiation).
local FORWARDED_CLIENT_HEADERS = {
  "cookie", "authorization", "accept", "accept-language", "user-agent", "x-402-token",
  "x-payment", "x-payment-chain", "x-payment-tx", "x-payment-challenge", "payment-signature", "sign-in-with-x",
  "x-request-id",
}

-- Authorizer answer headers passed to the client on a denial.
local DENIAL_HEADERS = {
  "www-authenticate", "location", "payment-required", "content-type", "cache-control",
  "x-402-reason", "retry-after", "set-cookie", "access-control-expose-headers",
  -- a failed x402 payment's settlement response (success: false)
  "payment-response", "x-payment-response",
}

-- Authorizer answer headers passed to the client on an allow (a token just issued).
local ALLOW_RESPONSE_HEADERS = { "set-cookie", "x-402-token", "payment-response", "x-payment-response", "payment-receipt" }

-- Decisions take milliseconds; a request carrying a payment proof is settled during this call
-- and may wait for a chain (authz-service portal.settleTimeoutMs, 15 s by default).
local TIMEOUT_MS = 20000

-- Decision cache (docs/decision-cache.md): allows the authorizer marks cacheable
-- (`X-Accel-Expires: N`, N seconds, bounded by the token's life and its decisionCache.maxAgeSeconds)
-- are reused for N seconds for the same scheme, method, raw path and query, Host, Cookie,
-- Authorization and X-402-Token (every value of each, in order), never for a request with a payment
-- proof. A revoked or spent token may pass for up to N seconds. At most this many decisions are
-- kept (each a 32-byte key and the four identity headers); 0 switches the cache off.
local DECISION_CACHE_ENTRIES = 10000
-- The authorizer's own ceiling (decisionCache.maxAgeSeconds is 0..300): a longer N is cut to this.
local DECISION_CACHE_MAX_SECONDS = 300

-- Request headers that carry a payment proof (authz-service core/proof-headers.ts PROOF_HEADERS); an
-- `Authorization: Payment …` (MPP) credential is one too.
local PROOF_HEADERS = {
  "x-payment-chain", "x-payment-tx", "x-payment-challenge", "payment-signature", "x-payment", "sign-in-with-x",
}

-- Everything an allow depends on besides scheme, method and target (tokens/sources.ts).
local KEY_HEADERS = { "host", "cookie", "authorization", "x-402-token" }

-- key (SHA-256 of the length-prefixed fields) -> { expires_ms, identity = { name -> value } }
local decisions = {}
local decision_count = 0

-- The values of one header in the order received (HAProxy header tables are indexed from 0).
local function values_of(values)
  local list = {}
  if values == nil then return list end
  local i = 0
  while values[i] ~= nil do
    list[#list + 1] = values[i]
    i = i + 1
  end
  return list
end

local function first(values)
  if values == nil then return nil end
  -- HAProxy header tables are indexed from 0.
  return values[0] or values[1]
end

local function now_ms()
  local t = core.now()
  return t.sec * 1000 + t.usec // 1000
end

local function carries_proof(request_headers)
  for _, name in ipairs(PROOF_HEADERS) do
    if request_headers[name] ~= nil then return true end
  end
  for _, v in ipairs(values_of(request_headers["authorization"])) do
    if string.lower(string.sub(v, 1, 8)) == "payment " then return true end
  end
  return false
end

-- Each field as `<length>:<bytes>` and each header as `<count>:` and its values: no value can be
-- shifted into its neighbour's place. Hashed so an entry's size does not grow with the cookies.
local function decision_key(txn, request_headers, scheme)
  local parts = {}
  local function field(value)
    parts[#parts + 1] = #value .. ":" .. value
  end
  field(scheme)
  field(txn.sf:method())
  field(txn.sf:pathq())
  for _, name in ipairs(KEY_HEADERS) do
    local list = values_of(request_headers[name])
    parts[#parts + 1] = #list .. ":"
    for _, v in ipairs(list) do field(v) end
  end
  return txn.c:sha2(table.concat(parts), 256)
end

-- N from a 2xx answer the authorizer marked cacheable, or nil.
local function cacheable_seconds(res_headers)
  local value = first(res_headers["x-accel-expires"])
  if value == nil or not string.match(value, "^%d+$") then return nil end
  local n = tonumber(value)
  if n < 1 then return nil end
  for _, name in ipairs({ "set-cookie", "x-402-token", "payment-response", "x-payment-response", "payment-receipt" }) do
    if res_headers[name] ~= nil then return nil end
  end
  return math.min(n, DECISION_CACHE_MAX_SECONDS)
end

local function remember(key, seconds, identity)
  if decision_count >= DECISION_CACHE_ENTRIES then
    local now = now_ms()
    for k, entry in pairs(decisions) do
      if entry.expires_ms <= now then
        decisions[k] = nil
        decision_count = decision_count - 1
      end
    end
    if decision_count >= DECISION_CACHE_ENTRIES then
      decisions = {}
      decision_count = 0
    end
  end
  if decisions[key] == nil then decision_count = decision_count + 1 end
  decisions[key] = { expires_ms = now_ms() + seconds * 1000, identity = identity }
end

-- The live entry for `key`, or nil (an expired one is dropped).
local function recall(key)
  local entry = decisions[key]
  if entry == nil then return nil end
  if entry.expires_ms > now_ms() then return entry end
  decisions[key] = nil
  decision_count = decision_count - 1
  return nil
end

-- Replaces the client's identity headers with the allow's (an empty value is not sent).
local function set_identity(txn, identity)
  for _, name in ipairs(IDENTITY_HEADERS) do
    txn.http:req_del_header(name)
    local value = identity[name]
    if value ~= nil and value ~= "" then
      txn.http:req_set_header(name, value)
    end
  end
end

local function reply_unavailable(txn)
  local reply = txn:reply({
    status = 503,
    reason = "Service Unavailable",
    headers = {
      ["content-type"] = { "application/json" },
      ["cache-control"] = { "no-store" },
      ["retry-after"] = { "5" },
      ["x-402-reason"] = { "authz_unavailable" },
    },
    body = '{"error":"unavailable","reason":"authz_unavailable","message":"Authorization is unavailable; retry later."}\n',
  })
  txn:done(reply)
end

local function scheme_of(txn)
  -- ssl_fc is a boolean fetch; depending on the HAProxy version it reaches Lua as a boolean or 0/1.
  local ssl = txn.f:ssl_fc()
  if ssl == true or ssl == 1 or ssl == "1" then return "https" end
  return "http"
end

local function turnpike_auth(txn, url)
  local request_headers = txn.http:req_get_headers()
  local scheme = scheme_of(txn)
  local key = nil
  if DECISION_CACHE_ENTRIES > 0 and not carries_proof(request_headers) then
    key = decision_key(txn, request_headers, scheme)
    local cached = recall(key)
    if cached ~= nil then
      set_identity(txn, cached.identity)
      txn:set_priv({})
      return
    end
  end

  local headers = {
    ["x-forwarded-method"] = { txn.sf:method() },
    ["x-forwarded-uri"] = { txn.sf:pathq() },
    ["x-forwarded-host"] = { first(request_headers["host"]) or "" },
    ["x-forwarded-proto"] = { scheme },
    ["x-forwarded-for"] = { txn.sf:src() },
  }
  for _, name in ipairs(FORWARDED_CLIENT_HEADERS) do
    local values = request_headers[name]
    if values ~= nil then headers[name] = values_of(values) end
  end

  local ok, res = pcall(function()
    return core.httpclient():get({ url = url, headers = headers, timeout = TIMEOUT_MS })
  end)
  if not ok or res == nil or res.status == nil or res.status == 0 then
    reply_unavailable(txn)
    return
  end

  local status = tonumber(res.status)
  local res_headers = res.headers or {}
  if status >= 200 and status < 300 then
    local identity = {}
    for _, name in ipairs(IDENTITY_HEADERS) do identity[name] = first(res_headers[name]) end
    set_identity(txn, identity)
    if key ~= nil then
      local seconds = cacheable_seconds(res_headers)
      if seconds ~= nil then remember(key, seconds, identity) end
    end
    local to_client = {}
    for _, name in ipairs(ALLOW_RESPONSE_HEADERS) do
      if res_headers[name] ~= nil then
        local list = {}
        for _, v in pairs(res_headers[name]) do list[#list + 1] = v end
        to_client[name] = list
      end
    end
    txn:set_priv(to_client)
    return
  end

  if status < 400 or status > 599 then
    -- Redirects and oddities from the authorizer are not decisions: fail closed.
    reply_unavailable(txn)
    return
  end
  if status >= 500 and res_headers["x-402-reason"] == nil then
    -- Not the authorizer's answer (every one of its refusals names a reason): HAProxy's own error
    -- for an authorizer it could not reach.
    reply_unavailable(txn)
    return
  end
  local reply_headers = {}
  for _, name in ipairs(DENIAL_HEADERS) do
    if res_headers[name] ~= nil then
      local list = {}
      for _, v in pairs(res_headers[name]) do list[#list + 1] = v end
      reply_headers[name] = list
    end
  end
  txn:done(txn:reply({ status = status, headers = reply_headers, body = res.body or "" }))
end

-- Adds the headers kept by turnpike_auth on allow to the app's response.
local function turnpike_response(txn)
  local to_client = txn:get_priv()
  if type(to_client) ~= "table" then return end
  for name, values in pairs(to_client) do
    for _, v in ipairs(values) do txn.http:res_add_header(name, v) end
  end
end

core.register_action("turnpike_auth", { "http-req" }, turnpike_auth, 1)
core.register_action("turnpike_response", { "http-res" }, turnpike_response, 0)

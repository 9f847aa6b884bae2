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

local function first(values)
  if values == nil then return nil end
  -- HAProxy header tables are indexed from 0.
  return values[0] or values[1]
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
  local headers = {
    ["x-forwarded-method"] = { txn.sf:method() },
    ["x-forwarded-uri"] = { txn.sf:pathq() },
    ["x-forwarded-host"] = { first(request_headers["host"]) or "" },
    ["x-forwarded-proto"] = { scheme_of(txn) },
    ["x-forwarded-for"] = { txn.sf:src() },
  }
  for _, name in ipairs(FORWARDED_CLIENT_HEADERS) do
    local values = request_headers[name]
    if values ~= nil then
      local list = {}
      for _, v in pairs(values) do list[#list + 1] = v end
      headers[name] = list
    end
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
    for _, name in ipairs(IDENTITY_HEADERS) do
      txn.http:req_del_header(name)
      local value = first(res_headers[name])
      if value ~= nil and value ~= "" then
        txn.http:req_set_header(name, value)
      end
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

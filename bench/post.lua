-- Row D: posts comments as many anonymous readers. run.py prepends `form` (the comment form's
-- hidden fields, as the page carries them: no CSRF token, no cookie), `path` and `body_text`.
-- Every request has a distinct author and body; the Origin header comes from run.py.
local counter = 0
local next_thread = 1
local tag = "x"

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  tag = args[1] or "x"
end

function request()
  counter = counter + 1
  local who = tag .. "-" .. (thread_id or 0) .. "-" .. counter
  local body = form
    .. "&author_name=Reader+" .. who
    .. "&author_email=reader-" .. who .. "%40example.org"
    .. "&body=" .. body_text .. "+" .. who
  -- wrk.format takes these headers instead of wrk's own (-H), so copy those first.
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["HX-Request"] = "true"
  return wrk.format("POST", path, headers, body)
end

-- Row D: posts comments as many readers. run.py prepends `sessions` (one {cookie, form} per
-- harvested session: the session cookie and the form's hidden fields, CSRF token included),
-- `path` and `body_text`. Every request has a distinct author and body.
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
  local s = sessions[(counter % #sessions) + 1]
  local who = tag .. "-" .. (thread_id or 0) .. "-" .. counter
  local body = s.form
    .. "&author_name=Reader+" .. who
    .. "&author_email=reader-" .. who .. "%40example.org"
    .. "&body=" .. body_text .. "+" .. who
  return wrk.format("POST", path, {
    ["Cookie"] = s.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true",
  }, body)
end

"""Documented defaults. Load order: these → instance/config.py → TALKBACK_* environment variables.

Every key can be overridden by an environment variable named TALKBACK_<KEY>; values are parsed as
JSON where they can be (so TALKBACK_COMMENT_MAX_LENGTH=2000 is an int, TALKBACK_DEMO_CONTENT=false
a bool). Keys marked "(site setting)" can also be changed by an admin on the dashboard's settings
page; the stored value then wins over these defaults.
"""

# --- Site -----------------------------------------------------------------------------------
SITE_NAME = "Talkback News"  # (site setting, like the three below)
# Shown in the comment policy's disclaimer ("do not necessarily reflect the views of …").
SITE_OWNER = "Talkback News"
# Under every article that has no copyright line of its own; "{site}" is replaced by SITE_OWNER.
COPYRIGHT_NOTICE = "Copyright {site}. All rights reserved."
# Dates on pages are shown in this IANA time zone; everything is stored in UTC.
SITE_TIMEZONE = "America/Dominica"
# Load the demo article (content/) on start when the site has no articles yet.
DEMO_CONTENT = True

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL (also read from the plain DATABASE_URL environment variable) selects the database.
# None means the embedded SQLite file instance/talkback.sqlite3, brought up to date on start.
DATABASE_URL = None
# Upgrade the schema to the newest migration at start. True only suits the embedded SQLite
# default; a production database is upgraded by `flask db upgrade` (see docs/deploy.md).
AUTO_MIGRATE = None  # None: on for the embedded SQLite default, off otherwise

# --- Comments -------------------------------------------------------------------------------
# Longest comment in user-perceived characters (site setting).
COMMENT_MAX_LENGTH = 1500
# Approved comments per public comment page (WordPress-style older/newer comment pages).
COMMENTS_PER_PAGE = 50
# How long the browser that posted a comment keeps seeing it as pending (seconds).
PENDING_COOKIE_MAX_AGE = 60 * 60 * 24 * 90
# How long "Save my name, email, and website" remembers them (seconds).
REMEMBER_AUTHOR_MAX_AGE = 60 * 60 * 24 * 365

# --- Screening (all site settings) ------------------------------------------------------------
# The rules run in this order (blueprints/comments/screening.py): closed → duplicate (409)
# → flood (429) → honeypot / too fast (spam) → disallowed words (spam) → hold words and links (held,
# with markers the dashboard shows) → trust mode. Spam is answered like any pending comment.
# Seconds a reader must wait between two comments (same IP or same email). 0 turns it off.
# Logged-in moderators are exempt.
COMMENT_FLOOD_SECONDS = 15
# Per-IP limit on posting comments (Flask-Limiter syntax, ";" between limits). Empty turns it off.
# Form errors (422) do not count; logged-in moderators are exempt. Over it: 429, form kept.
COMMENT_RATE_LIMIT = "5 per minute; 50 per day"
# Per-IP limit on the live character counter, which fires at each pause in typing. Empty: off.
COUNTER_RATE_LIMIT = "120 per minute"
# A form sent sooner than this after it was rendered (signed stamp in the form) is stored as spam.
# A form with a missing or forged stamp, or with the hidden honeypot field filled in, is spam too.
# The stamp is made when the page is rendered, and an anonymous page is rendered once for everyone
# for up to PAGE_CACHE_SECONDS (+ ARTICLE_MAX_AGE in HTTP caches): the check then only ever finds a
# form older than it is, never younger (see docs/design.md, "The reader's path as built").
COMMENT_MIN_FILL_SECONDS = 3
# A form stamp older than this (seconds) has expired: the comment is held for a moderator with the
# marker "form stamp expired" (a reader who left the tab open overnight is never binned as spam).
FORM_STAMP_MAX_AGE = 60 * 60 * 24
# A comment with this many links or more is held with a marker ("3 links").
COMMENT_MAX_LINKS = 2
# Words or phrases that mark a comment as spam: case-insensitive, whole words, in the name, email,
# website and body. A list here, one per line on the settings page;
# e.g. TALKBACK_DISALLOWED_WORDS='["casino", "cheap pills"]'.
DISALLOWED_WORDS: list[str] = []
# Words or phrases that hold a comment with a marker ("hold word: crypto"); matched like the above.
HOLD_WORDS: list[str] = []
# Close comments on an article this many days after it was published. 0 = never. (Each article
# also has its own switch.)
COMMENTS_CLOSE_AFTER_DAYS = 0
# Trust mode: approve at once an author whose name and email already have an approved comment
# (and whose comment nothing held). Off by default: the site promises that every comment is
# approved before it is posted.
TRUST_APPROVED_AUTHORS = False

# --- Moderators -----------------------------------------------------------------------------
# Comments per page of the moderation queue.
MODERATION_PAGE_SIZE = 50
# Failed logins allowed per IP address and per account name (Flask-Limiter syntax; counted in the
# limiter's storage, so in Redis when REDIS_URL is set). Empty turns it off.
LOGIN_RATE_LIMIT = "10 per 15 minutes"
# How hard password hashing works: the name of an argon2-cffi profile (argon2.profiles).
# RFC_9106_LOW_MEMORY: 64 MiB and 3 passes per hash. Tests use CHEAPEST.
PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"  # noqa: S105 (a profile name, not a password)
# Seconds an "Undo" stays offered after a decision.
UNDO_SECONDS = 600

# --- Shared state and caching ------------------------------------------------------------------
# Redis for limiter counters and the page cache when several processes serve the site.
# None: kept in each process, which is right for `flask run`; with several gunicorn workers or
# machines, limits only hold across them when this is set (e.g. redis://127.0.0.1:6379/0).
REDIS_URL = None
# Browsers and proxy caches (nginx proxy_cache, a CDN) may keep an anonymous article page (a reader
# with no cookie of ours) this many seconds: `Cache-Control: public, max-age=N`. After that they ask
# again with If-None-Match and get 304 while the page is unchanged. A moderation decision shows to
# anonymous readers at most this late.
ARTICLE_MAX_AGE = 10
# Seconds a rendered anonymous article page is kept in Flask-Caching. Its key holds everything the
# page shows (the article's comments_version, the settings, the comment page), so a decision or a
# settings change is seen at once; this only bounds how old the form stamp in it can be.
PAGE_CACHE_SECONDS = 300
# Seconds a rendered page of approved comments is kept (keyed on the article's comments_version,
# so outdated pages are simply never asked for again).
COMMENT_CACHE_TTL = 60 * 60 * 24
# Flask-Caching's own keys may be set too. create_app() fills in: CACHE_TYPE (SimpleCache, one per
# process; RedisCache with CACHE_REDIS_URL = REDIS_URL when REDIS_URL is set) and CACHE_KEY_PREFIX
# ("talkback:<digest of DATABASE_URL>:", so two sites sharing one Redis never mix). SimpleCache
# keeps at most CACHE_THRESHOLD (default 500) entries.
# Flask-Limiter's own keys may be set too: RATELIMIT_STORAGE_URI (default: REDIS_URL, else
# memory://), RATELIMIT_ENABLED (default True; the tests turn it off) and RATELIMIT_HEADERS_ENABLED
# (default True: X-RateLimit-* and Retry-After headers). They are filled in by create_app().

# --- Security -------------------------------------------------------------------------------
# Set to True when the site is served over HTTPS: cookies are then marked Secure, HSTS is sent,
# URLs are built with https, and Flask-WTF checks that a staff form came from this site (Referer).
# Every cookie is HttpOnly and SameSite=Lax whatever this says.
HTTPS = False
# Largest request body accepted (bytes); a comment is at most a few KiB. Larger: 413.
MAX_CONTENT_LENGTH = 64 * 1024
# Secret key: from TALKBACK_SECRET_KEY in production; generated into instance/ for the
# embedded default.
SECRET_KEY = None

# --- Comment policy (site settings; the numbered rules live in the policy_rule table) ---------
# "{site}" is replaced by SITE_OWNER.
POLICY_DISCLAIMER = (
    "Disclaimer: The comments on this page do not necessarily reflect the views of {site}. "
    "All comments are approved by {site} before they are posted. We never censor based on "
    "political or ideological points of view, but we do try to maintain a sensible balance "
    "between free speech and responsible moderating."
)
# The full policy at /policy, paragraphs separated by blank lines; the rules are listed after it.
POLICY_FULL_TEXT = (
    "Comments on {site} are moderated before they appear. Every comment is read by a member of "
    "our moderation team, who approves it or declines it under the rules below. We never censor "
    "based on political or ideological points of view.\n\n"
    "Your email address is never published. We use it only to tell comments apart and, "
    "rarely, to contact you about a comment you wrote.\n\n"
    "Reading this site sets no cookie. When you post a comment, your browser keeps a cookie so that "
    "it can show you your comment while it awaits moderation, and, only if you ask, one that "
    "remembers your name, email and website for the next time.\n\n"
    "By posting you agree that your comment may be edited for length or to remove material "
    "that breaks these rules, and that it may be declined without notice. A declined comment "
    "is never shown to other readers; the browser that posted it is told which rule it broke."
)

# --- Production (docs/deploy.md) --------------------------------------------------------------
# Behind a load balancer or reverse proxy: how many proxies in front of the app set each
# X-Forwarded-* header (werkzeug's ProxyFix). 0 trusts none of them. With one proxy in front,
# PROXY_FIX_X_FOR=1 makes the client's address (limits, flood checks, logs) the one the proxy saw,
# and PROXY_FIX_X_PROTO=1 makes generated URLs https when the proxy terminated TLS. Never set
# these higher than the number of proxies you run: a client could then choose its own address.
PROXY_FIX_X_FOR = 0
# Trust X-Forwarded-Proto from that many proxies (https URLs behind a TLS-terminating proxy).
PROXY_FIX_X_PROTO = 0
# Trust X-Forwarded-Host (rarely needed: the proxy usually passes Host on).
PROXY_FIX_X_HOST = 0
# Trust X-Forwarded-Port.
PROXY_FIX_X_PORT = 0
# Trust X-Forwarded-Prefix (the site served under a path such as /talkback).
PROXY_FIX_X_PREFIX = 0
# One JSON line per request on the "talkback.request" logger (stderr unless logging is
# configured otherwise), with a request id that is also sent back as X-Request-ID.
REQUEST_LOG = True
# Take the request id from an incoming X-Request-ID header (set by your load balancer) instead of
# making one. None: only when PROXY_FIX_X_FOR is set, i.e. when a trusted proxy is in front.
TRUST_REQUEST_ID_HEADER = None
# When Redis is unreachable, count rate limits inside each process until it is back (logged),
# instead of failing every limited request: readers can still comment during a Redis outage.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# Any other error of the limiter's storage lets the request through rather than answering 500.
RATELIMIT_SWALLOW_ERRORS = True

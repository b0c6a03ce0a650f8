"""One HTTP exchange with a store: one deadline for all of it, no redirects, logins never shown.

- Deadline: a socket timeout bounds each read, which a store dripping a byte at a time defeats, so a
  timer also shuts the connection's socket down when the whole exchange's time is up.
- Redirects are refused: urllib would resend an upload as a GET without its body and report success.
- Credentials come from PROBGRAPH_USER and PROBGRAPH_PASSWORD, from a netrc file (NETRC or ~/.netrc), or
  from user:password@ in the URL; they answer a basic or a digest challenge and are never printed.
"""

from __future__ import annotations

import html
import http.client
import math
import netrc
import os
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from functools import partial

from .errors import RemoteError, UsageError, first_line

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 7 * 24 * 3600.0  # a week: above that a number of seconds is a typing error
EXCERPT = 200  # characters of a store's error body shown in a message

_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_timeout(seconds: float) -> float:
    """A finite number of seconds above 0 and at most a week, or a UsageError (exit 2)."""
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT:
        raise UsageError(f"timeout {seconds!r} is not a number of seconds between 0 and {MAX_TIMEOUT:g}",
                         "e.g. --timeout 30")
    return float(seconds)


def _split(url: str) -> tuple[str, str | None, str | None]:
    """The URL without user:password@, and the user and password it held."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # not a URL (check_url says so); still, never show what may be a password
        return re.sub(r"//[^/]*@", "//***@", url), None, None
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, urllib.parse.unquote(user) or None, urllib.parse.unquote(password) if password else None


def public_url(url: str) -> str:
    """The URL as messages show it: any password in it replaced by ***."""
    clean, user, password = _split(url)
    if user is None:
        return clean
    parts = urllib.parse.urlsplit(clean)
    login = urllib.parse.quote(user, safe="") + (":***" if password else "")
    return urllib.parse.urlunsplit((parts.scheme, f"{login}@{parts.netloc}", parts.path, parts.query,
                                    parts.fragment))


def check_url(url: str) -> None:
    """An http(s) URL with a host and a valid port, or a RemoteError."""
    shown = public_url(url) if isinstance(url, str) else repr(url)
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise RemoteError(f"{shown!r} is not a valid URL ({exc})",
                          "give a URL such as http://127.0.0.1:7878/query") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"{shown!r} is not an http(s) endpoint URL",
                          "give a URL such as http://127.0.0.1:7878/query")


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) for the URL's host: from the URL, the environment, or a netrc file."""
    _, user, password = _split(url)
    if user is not None:
        return user, password or ""
    env_user, env_password = os.environ.get("PROBGRAPH_USER"), os.environ.get("PROBGRAPH_PASSWORD")
    if env_user:
        return env_user, env_password or ""
    host = urllib.parse.urlsplit(url).hostname or ""
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        found = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the netrc file ({first_line(getattr(exc, 'msg', exc))})",
                         "fix it or point NETRC at another file") from None
    return (found[0], found[2] or "") if found else None


class _Watch:
    """The sockets of one exchange, shut down together when its deadline passes."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Watched(http.client.HTTPConnection):
    """A connection whose socket the exchange's watch can shut, and that lets a store answer an upload early.

    A store asking for a login (Virtuoso's digest) answers 401 and closes before the body is sent; the
    broken pipe is then not the end: the answer is read, and the auth handler sends the upload again.
    _HTTPSConnection puts it before HTTPSConnection, which the connection's methods then come from.
    """

    def __init__(self, *args, watch: _Watch, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._watch = watch

    def connect(self) -> None:
        super().connect()
        self._watch.add(self.sock)

    def send(self, data) -> None:
        try:
            super().send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the store stopped reading (a reset, if it closed with the body unread); its answer tells


class _HTTPConnection(_Watched):
    pass


class _HTTPSConnection(_Watched, http.client.HTTPSConnection):
    pass


class _WatchedHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """Opens http and https URLs on connections that the exchange's one deadline watches."""

    def __init__(self, watch: _Watch) -> None:
        urllib.request.HTTPSHandler.__init__(self)
        self._watch = watch

    def http_open(self, req):
        return self.do_open(partial(_HTTPConnection, watch=self._watch), req)

    def https_open(self, req):
        return self.do_open(partial(_HTTPSConnection, watch=self._watch), req)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError


def excerpt(body: bytes, limit: int = EXCERPT) -> str:
    """A short, readable excerpt of an error body: markup, entities and control characters removed."""
    text = body.decode("utf-8", "replace")
    text = html.unescape(_TAGS.sub(" ", text))
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def exchange(url: str, method: str, data: bytes | None, headers: dict[str, str], timeout: float,
             unsure: str, refused: str = "") -> tuple[bytes, dict[str, str]]:
    """Send one request and read the whole answer within `timeout` seconds; return (body, headers).

    Every failure becomes one RemoteError line (exit 3): `unsure` is the hint when the request may
    have reached the store, `refused` when the store answered no.
    """
    timeout = check_timeout(timeout)
    check_url(url)
    clean, _, _ = _split(url)
    shown = public_url(url)
    watch = _Watch()
    handlers: list = [_WatchedHandler(watch), _NoRedirect()]
    login = credentials(url)
    if login is not None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, clean, login[0], login[1])
        handlers += [urllib.request.HTTPDigestAuthHandler(passwords), urllib.request.HTTPBasicAuthHandler(passwords)]
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(clean, data=data, method=method, headers=headers)
    timer = threading.Timer(timeout, watch.expire)
    timer.daemon = True
    timer.start()
    late = RemoteError(f"{shown}: no complete answer within {timeout:g} s", unsure)
    try:
        with opener.open(request, timeout=timeout) as resp:
            body = resp.read()
            answer_headers = dict(resp.headers.items())
    except urllib.error.HTTPError as exc:
        if watch.expired:
            raise late from None
        raise _http_error(shown, exc, refused) from None
    except urllib.error.URLError as exc:
        if watch.expired or isinstance(exc.reason, TimeoutError):
            raise late from None
        if isinstance(exc.reason, (ConnectionResetError, BrokenPipeError)):  # connected, then cut off
            raise RemoteError(f"{shown}: the store closed the connection ({_reason(exc.reason)})", unsure) from None
        raise RemoteError(f"{shown}: cannot connect ({_reason(exc.reason)})",
                          "is the store running, and is the URL right?") from None
    except TimeoutError:
        raise late from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        if watch.expired:
            raise late from None
        raise RemoteError(f"{shown}: the exchange failed ({first_line(exc)[:200]})", unsure) from None
    finally:
        timer.cancel()
    if watch.expired:  # the socket was shut mid-answer: what was read is not the whole answer
        raise late
    return body, answer_headers


def _http_error(shown: str, exc: urllib.error.HTTPError, refused: str) -> RemoteError:
    try:
        detail = excerpt(exc.read(64 * 1024))
    except (OSError, http.client.HTTPException):
        detail = ""
    if 300 <= exc.code < 400:
        target = public_url(exc.headers.get("Location", "")) if exc.headers else ""
        return RemoteError(f"{shown}: HTTP {exc.code} redirect{' to ' + target if target else ''}; "
                           "probgraph does not follow redirects (an upload would be lost)",
                           "give the final URL as --endpoint")
    hint = refused or None
    if exc.code in (401, 403):
        hint = ("log in with PROBGRAPH_USER and PROBGRAPH_PASSWORD, or a netrc entry for the host "
                "(basic or digest); the user needs the right to write (Virtuoso: SPARQL_UPDATE)")
    return RemoteError(f"{shown}: HTTP {exc.code} {exc.reason}{': ' + detail if detail else ''}", hint)


def _reason(reason) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return first_line(reason)[:200]

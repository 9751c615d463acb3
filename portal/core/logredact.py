"""Paths in log lines without the secrets they carry: link tokens, keys and signed values.

A request for ``/t/<token>/`` names the private link it opens; so do survey links, partner
invitations, password-reset and e-mail confirmation keys. The access log and Django's own
request warnings ("Not Found: /t/<token>/") would keep every one of them, readable to anyone
who reads the logs. Each token-bearing path segment is replaced by ``[redacted]``: the known
routes always, any other segment whenever it looks like a token, so a new route does not leak
by default. Query values that are secrets, or look like tokens, are redacted too; the names
stay, so the shape of a request is still readable.

This module uses the standard library only and reads no settings: gunicorn.conf.py loads it
before (and without) Django.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import quote, unquote

REDACTED = "[redacted]"

# Routes whose segment is a secret, whatever it looks like (a short or mistyped token is
# still someone's attempt at one). Each pattern names the secret segment "token".
TOKEN_ROUTES = (
    re.compile(r"^/t/(?P<token>[^/]+)"),  # private ticket links and their files
    re.compile(r"^/surveys/r/(?P<token>[^/]+)"),  # survey links
    re.compile(r"^/partners/invitations/(?!\d+/withdraw/?$)(?P<token>[^/]+)"),  # invitations
    re.compile(r"^/accounts/confirm-email/(?P<token>[^/]+)"),  # e-mail confirmation keys
    re.compile(r"^/accounts/password/reset/key/(?!done/?$)(?P<token>[^/]+)"),  # reset keys
)
# Anything else that looks like a token: long, made of URL-safe token characters, with a digit
# or with letters of both cases (random tokens of this length practically always have one,
# while words, slugs and the admin's model names have neither).
TOKEN_LIKE = re.compile(r"^[A-Za-z0-9_\-.:~=+/]{20,}$")
DIGIT_OR_MIXED_CASE = re.compile(r"\d|(?=.*[a-z])(?=.*[A-Z])")
# Static files keep their names (hashed file names look like tokens, and are none).
READABLE_PREFIXES = ("/static/",)
# Query parameters that are secrets by name.
SECRET_PARAMETERS = frozenset(
    {
        "access_token",
        "api_key",
        "auth",
        "code",
        "key",
        "password",
        "secret",
        "sig",
        "signature",
        "token",
        "uid",
        "uidb36",
        "uidb64",
    }
)
ORIGIN = re.compile(r"^(?P<origin>[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(?P<rest>.*)$", re.DOTALL)
# Paths inside free text ("Not Found: /t/…", "GET /t/… HTTP/1.1"): a URL with its origin, or a
# path that starts after a space, a quote, a bracket, "=" or the start of the text.
PATH_IN_TEXT = re.compile(
    r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#"'<>]+[^\s"'<>]*"""
    r"""|(?<![^\s"'(\[=,])/[^\s"'<>]*"""
)


def looks_like_token(segment: str) -> bool:
    """Tell whether a path segment or query value has the shape of a random token."""
    return bool(TOKEN_LIKE.match(segment) and DIGIT_OR_MIXED_CASE.search(segment))


def redact_path(path: str) -> str:
    """Return a path (no query string) with every token-bearing segment replaced."""
    if not path or path.startswith(READABLE_PREFIXES):
        return path
    for route in TOKEN_ROUTES:
        match = route.match(path)
        if match:
            start, end = match.span("token")
            path = path[:start] + REDACTED + path[end:]
            break
    return "/".join(
        REDACTED if looks_like_token(unquote(segment)) else segment for segment in path.split("/")
    )


def redact_query(query: str) -> str:
    """Return a query string with the values of secret parameters and token values replaced.

    A value that is itself a path (``next=/t/<token>/``) is redacted as a path.
    """
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        if looks_like_token(unquote(name)):
            name = REDACTED
        if equals and value:
            plain = unquote(value.replace("+", " "))
            if name.lower() in SECRET_PARAMETERS:
                value = REDACTED
            elif plain.startswith("/") or ORIGIN.match(plain):
                redacted = redact_url(plain)
                if redacted != plain:
                    value = quote(redacted, safe="/:[]")
            elif looks_like_token(plain):
                value = REDACTED
        parts.append(name + equals + value)
    return "&".join(parts)


def redact_uri(uri: str) -> str:
    """Return a request target (path and query string, as sent) with its tokens replaced."""
    path, question, query = uri.partition("?")
    path, hash_mark, fragment = path.partition("#")
    return (
        redact_path(path)
        + (hash_mark + REDACTED if fragment else hash_mark)
        + (question + redact_query(query))
    )


def redact_url(url: str) -> str:
    """Return a URL (absolute, or a path with its query) with its tokens replaced."""
    if not url:
        return url
    match = ORIGIN.match(url)
    if match:
        return match["origin"] + redact_uri(match["rest"])
    return redact_uri(url)


def redact_text(text: str) -> str:
    """Return free text with every path or URL in it redacted."""
    return PATH_IN_TEXT.sub(lambda match: redact_url(match.group()), text)


def redact_request_line(line: str) -> str:
    """Return an HTTP request line ("GET /t/<token>/ HTTP/1.1") with its target redacted."""
    method, space, rest = line.partition(" ")
    target, space2, protocol = rest.rpartition(" ") if " " in rest else (rest, "", "")
    return method + space + redact_url(target) + space2 + protocol


# Gunicorn access-log atoms that carry the request target or another URL, and those that carry
# credentials outright (the session cookie, a basic-auth header).
URL_ATOMS = (
    "f",
    "{referer}i",
    "{location}o",
    "{raw_uri}e",
    "{request_uri}e",
    "{http_referer}e",
)
PATH_ATOMS = ("U", "{path_info}e", "{script_name}e")
QUERY_ATOMS = ("q", "{query_string}e")
CREDENTIAL_ATOMS = (
    "{cookie}i",
    "{authorization}i",
    "{set-cookie}o",
    "{http_cookie}e",
    "{http_authorization}e",
)


def redact_access_atoms(atoms: dict) -> dict:
    """Return gunicorn's access-log atoms with the request line, paths and URLs redacted."""
    atoms = dict(atoms)
    if isinstance(atoms.get("r"), str):
        atoms["r"] = redact_request_line(atoms["r"])
    for key in URL_ATOMS:
        if isinstance(atoms.get(key), str):
            atoms[key] = redact_url(atoms[key])
    for key in PATH_ATOMS:
        if isinstance(atoms.get(key), str):
            atoms[key] = redact_path(atoms[key])
    for key in QUERY_ATOMS:
        if isinstance(atoms.get(key), str):
            atoms[key] = redact_query(atoms[key])
    for key in CREDENTIAL_ATOMS:
        if atoms.get(key):
            atoms[key] = REDACTED
    return atoms


class RedactPaths(logging.Filter):
    """Redact the paths in a log record's arguments (and in its message, if it has none).

    Django's request warnings pass the path as an argument ("Not Found: %s"); the filter keeps
    every record and only rewrites what it would print.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            if isinstance(record.args, Mapping):
                record.args = {key: self._redact(value) for key, value in record.args.items()}
            else:
                record.args = tuple(self._redact(value) for value in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        return True

    @staticmethod
    def _redact(value: object) -> object:
        return redact_text(value) if isinstance(value, str) else value

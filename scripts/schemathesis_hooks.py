"""Schemathesis hooks for scripts/schemathesis.sh.

`cargo lambda watch` (the local stand-in for API Gateway) cannot turn a request whose body or
header values are not valid UTF-8 into an API Gateway event: it answers 500 with its own
problem+json page before any function runs. API Gateway passes such bodies base64-encoded, and
the functions answer them with 400 InvalidBody, which the Rust fuzz command covers (it sends raw
bytes, base64-encoded). Exactly those failures are dropped: a request that was not UTF-8 and an
answer that is watch's own page. Every other finding fails the run.
"""

import schemathesis

WATCH_ERROR_PAGE = '{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}'


def _not_utf8(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return True
    return False


def _request_not_utf8(response):
    request = response.request
    if _not_utf8(request.body):
        return True
    for value in request.headers.values():
        if isinstance(value, (bytes, bytearray)):
            if _not_utf8(value):
                return True
        elif any(ord(ch) > 127 for ch in str(value)):
            return True
    return False


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    from_watch = response.status_code == 500 and response.text.strip() == WATCH_ERROR_PAGE
    return not (from_watch and _request_not_utf8(response))

"""The minimal server-rendered pages of the OAuth login flow (no JavaScript needed to sign in)."""

from __future__ import annotations

from html import escape

OAUTH_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · igf_hub</title>
<style>
 body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}}
 h1{{font-size:1.4rem}} label{{display:block;margin:.8rem 0 .2rem}}
 input[type=email],input[type=password],input[type=text]{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}
 button{{margin-top:1rem;padding:.55rem 1.2rem;font-size:1rem}} .error{{color:#a40000}} .muted{{color:#555}}
 pre{{white-space:pre-wrap;word-break:break-all;background:#f3f3f3;padding:.6rem}}
</style></head><body>{body}</body></html>"""


def page(title: str, body: str) -> str:
    return _PAGE.format(title=escape(title), body=body)


def signin_form(
    params: dict[str, str], *, client_name: str, error: str | None = None, email: str = ""
) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}">'
        for name in OAUTH_FIELDS
        if name in params
    )
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return page(
        "Sign in",
        f"""<h1>Sign in to igf_hub</h1>
<p class="muted">{escape(client_name)} asks to act on your behalf.</p>{error_html}
<form method="post" action="/oauth/authorize">{hidden}
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username"
 required value="{escape(email)}">
<label for="password">Password</label><input id="password" name="password" type="password"
 autocomplete="current-password" required>
<button type="submit">Sign in</button></form>""",
    )


def second_factor_form(
    params: dict[str, str], *, client_name: str, challenge: str, error: str | None = None
) -> str:
    """The second step for a person with two-factor: a code from their app or a recovery code (no passkeys
    here: this page has no JavaScript)."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(params[name])}">'
        for name in OAUTH_FIELDS
        if name in params
    )
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return page(
        "Two-factor sign-in",
        f"""<h1>Two-factor sign-in</h1>
<p class="muted">{escape(client_name)} asks to act on your behalf.</p>{error_html}
<form method="post" action="/oauth/authorize">{hidden}
<input type="hidden" name="challenge" value="{escape(challenge)}">
<label for="code">Code from your authenticator app, or a recovery code</label><input id="code" name="code"
 type="text" inputmode="text" autocomplete="one-time-code" required>
<button type="submit">Continue</button></form>""",
    )


def error_page(message: str) -> str:
    return page(
        "Sign-in error",
        f'<h1>This sign-in request cannot be served</h1><p class="error">{escape(message)}</p>',
    )

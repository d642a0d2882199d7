"""The minimal server-rendered pages of the sign-in flow (no JavaScript needed to sign in)."""

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
 input[type=email],input[type=password]{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}
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


def error_page(message: str) -> str:
    return page(
        "Sign-in error",
        f'<h1>This sign-in request cannot be served</h1><p class="error">{escape(message)}</p>',
    )


# The console: a browser app using the built-in public client with PKCE, then showing the access token
# to paste into the API docs' "Authorize" dialog.
CONSOLE = page(
    "Console",
    """<h1>igf_hub console</h1><div id="out"><p class="muted">Redirecting to sign-in…</p></div>
<script>
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g,'-').replace(/\\//g,'_').replace(/=+$/,'');
const out = document.getElementById('out');
const redirect = location.origin + '/signin/callback';
async function start() {
  const verifier = b64(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem('pkce', JSON.stringify({verifier, state}));
  const challenge = b64(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const q = new URLSearchParams({response_type:'code', client_id:'igf-hub-console', redirect_uri:redirect,
    scope:'api', state, code_challenge:challenge, code_challenge_method:'S256'});
  location.assign('/oauth/authorize?' + q);
}
async function finish(params) {
  const saved = JSON.parse(sessionStorage.getItem('pkce') || '{}');
  if (params.get('state') !== saved.state) { out.textContent = 'The sign-in state does not match; start again.'; return; }
  const r = await fetch('/oauth/token', {method:'POST', headers:{'content-type':'application/x-www-form-urlencoded'},
    body:new URLSearchParams({grant_type:'authorization_code', code:params.get('code'), redirect_uri:redirect,
      client_id:'igf-hub-console', code_verifier:saved.verifier})});
  const t = await r.json();
  if (!r.ok) { out.textContent = 'Token request failed: ' + (t.error_description || t.error); return; }
  out.innerHTML = '<p>Signed in. Your access token (valid ' + t.expires_in + ' s) for the <a href="/schema">API docs</a>:</p><pre id="token"></pre>';
  document.getElementById('token').textContent = t.access_token;
}
const params = new URLSearchParams(location.search);
if (location.pathname.endsWith('/callback') && params.get('code')) finish(params); else start();
</script>""",
)

// The admin sign-in form (GET /admin/session): one password field POSTed in the body, so the key
// never appears in a URL, a browser history or a Referer. No script; the page's CSP allows none.
export const SIGN_IN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

export function signInPage(action: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${SIGN_IN_CSP}">
<title>emo-fleet admin sign-in</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:4rem auto}input,button{font-size:1rem;padding:.4rem;width:100%;margin:.3rem 0}</style>
</head>
<body>
<h1>emo-fleet admin</h1>
<p>Sign in with an API key that has the <code>admin</code> scope. The session lasts a few minutes (API_ADMIN_SESSION_TTL_SECONDS).</p>
<form method="post" action="${action}">
<label for="admin_key">Admin API key</label>
<input id="admin_key" name="admin_key" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

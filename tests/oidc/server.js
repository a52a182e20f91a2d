// A tiny OpenID provider for nazorg's tests, built on the certified `oidc-provider` (v9).
//
//   node tests/oidc/server.js [--port N] [--config FILE]
//
// It listens on 127.0.0.1 only; the issuer is http://127.0.0.1:<port> (port 0: a free port; the
// first line on stdout is always "listening on <issuer>"). Everything lives in memory and is gone
// when the process ends.
//
// Configuration: a JSON file given with --config (or as the only argument), then the environment:
//   {
//     "port": 0,                                    // or OIDC_PORT, or --port
//     "password": "test",                           // or OIDC_PASSWORD: every user's password
//     "client": {                                   // one confidential client; any other client
//       "client_id": "nazorg",                      //   metadata is passed on as it is
//       "client_secret": "geheim",                  // or OIDC_CLIENT_ID / OIDC_CLIENT_SECRET
//       "redirect_uris": ["http://127.0.0.1:8000/auth/callback"]  // or OIDC_REDIRECT_URIS
//     },                                            //   (space-separated)
//     "users": [                                    // the test users (findAccount)
//       {"sub": "u1", "username": "anna", "email": "anna@politie.example",
//        "name": "Anna Aalbers", "groups": ["nazorg-tco"]}
//     ]
//   }
// A user logs in with its `username` (or, without one, its `sub`) or its e-mail address, and the
// password (a user's own "password" wins over the common one).
//
// Flow: authorization code with PKCE (S256) required, for scopes `openid email profile groups`.
// The claims email, email_verified, name, preferred_username and groups are in the ID token as
// well as at userinfo (conformIdTokenClaims: false), so a relying party can read them either way.
//
// Interactions: instead of oidc-provider's devInteractions (any login, a consent click) this
// server has its own minimal pages at /interaction/<uid>:
//   - login: an HTML form (lang="nl") with fields `login` and `password` and a submit button
//     "Inloggen"; a wrong login or password shows the form again with role="alert" text;
//   - consent: given automatically (the client is first-party), no page.
// So a browser test fills #login and #password and clicks the button, and lands on the client's
// redirect_uri with a code.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';

const DEFAULT_USERS = [
  {
    sub: 'u-anna', username: 'anna', email: 'anna@politie.example', name: 'Anna Aalbers',
    groups: ['nazorg-tco'],
  },
  {
    sub: 'u-bram', username: 'bram', email: 'bram@politie.example', name: 'Bram Bakker',
    groups: ['nazorg-leiding'],
  },
];

function loadConfig() {
  const { values, positionals } = parseArgs({
    options: { port: { type: 'string' }, config: { type: 'string' } },
    allowPositionals: true,
  });
  const file = values.config ?? positionals[0];
  const config = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const env = process.env;
  const client = {
    client_id: 'nazorg',
    client_secret: 'geheim',
    redirect_uris: ['http://127.0.0.1:8000/auth/callback'],
    ...config.client,
  };
  if (env.OIDC_CLIENT_ID) client.client_id = env.OIDC_CLIENT_ID;
  if (env.OIDC_CLIENT_SECRET) client.client_secret = env.OIDC_CLIENT_SECRET;
  if (env.OIDC_REDIRECT_URIS) client.redirect_uris = env.OIDC_REDIRECT_URIS.split(/\s+/).filter(Boolean);
  return {
    port: Number(values.port ?? env.OIDC_PORT ?? config.port ?? 0),
    password: env.OIDC_PASSWORD ?? config.password ?? 'test',
    client: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...client,
    },
    users: config.users ?? DEFAULT_USERS,
  };
}

const config = loadConfig();
const bySub = new Map(config.users.map((user) => [user.sub, user]));

function findUser(login) {
  const wanted = String(login ?? '').trim().toLowerCase();
  if (!wanted) return undefined;
  return config.users.find((user) => [user.username ?? user.sub, user.email]
    .some((name) => name && String(name).toLowerCase() === wanted));
}

function claimsOf(user) {
  return {
    sub: user.sub,
    email: user.email,
    email_verified: true,
    name: user.name,
    preferred_username: user.username ?? user.sub,
    groups: user.groups ?? [],
  };
}

// --- the login page -----------------------------------------------------------------------------

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, { login = '', error = '' } = {}) {
  const alert = error ? `<p id="fout" role="alert">${escapeHtml(error)}</p>` : '';
  const described = error ? ' aria-describedby="fout"' : '';
  return `<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><title>Inloggen (test-OP)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>Inloggen</h1>
${alert}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label for="login">Gebruikersnaam</label>
<input id="login" name="login" autocomplete="username" value="${escapeHtml(login)}" required${described}></p>
<p><label for="password">Wachtwoord</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}></p>
<p><button type="submit">Inloggen</button></p>
</form>
</main></body></html>
`;
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: Chromium applies it to the redirects after the login, to the client.
    'content-security-policy': "default-src 'self'",
  });
  res.end(html);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function grantConsent(provider, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    sendHtml(res, 400, '<!doctype html><html lang="nl"><title>Fout</title><h1>Onbekende interactie</h1></html>');
    return;
  }
  const { prompt } = details;
  if (prompt.name === 'consent') {
    const grantId = await grantConsent(provider, details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (prompt.name !== 'login') {
    sendHtml(res, 501, '<!doctype html><html lang="nl"><title>Fout</title><h1>Niet ondersteund</h1></html>');
    return;
  }
  if (action !== 'login' || req.method !== 'POST') {
    sendHtml(res, 200, loginPage(uid));
    return;
  }
  const form = await readForm(req);
  const user = findUser(form.get('login'));
  const password = user?.password ?? config.password;
  if (!user || form.get('password') !== password) {
    sendHtml(res, 200, loginPage(uid, {
      login: form.get('login') ?? '', error: 'Onbekende gebruikersnaam of onjuist wachtwoord.',
    }));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
}

// --- the provider -------------------------------------------------------------------------------

const server = createServer();
server.listen(config.port, HOST, () => {
  const issuer = `http://${HOST}:${server.address().port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [config.client],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    findAccount: (_ctx, sub) => {
      const user = bySub.get(sub);
      return user && { accountId: sub, claims: () => claimsOf(user) };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 3600, Session: 86400,
      Grant: 86400,
    },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([^/?]+)(?:\/(login))?(?:\?.*)?$/.exec(req.url);
    if (!match) {
      callback(req, res);
      return;
    }
    interaction(provider, req, res, match[1], match[2]).catch((err) => {
      console.error(err);
      if (!res.headersSent) sendHtml(res, 400, `<!doctype html><html lang="nl"><title>Fout</title><h1>Fout</h1><p>${escapeHtml(err.message)}</p></html>`);
    });
  });
  console.log(`listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

// A relying party built on openid-client (an OpenID-certified library),
// driven by internal/app's TestOpenIDClient over stdin and stdout: one JSON
// object a line in, one JSON object a line out, in order. It holds what a
// site keeps between requests — the discovered configuration, the PKCE
// verifier, state and nonce of the pending sign-in, and the tokens — and
// lets the library check everything it checks for a real site (state,
// PKCE, the ID token's signature, iss, aud, exp and nonce; userinfo's sub).
//
// Requests:
//
//	{"op":"discover","issuer":…,"client_id":…,"client_secret":…,"redirect_uri":…}
//	{"op":"authorize","scope":…,"acr_values":…}       → {"url":…}
//	{"op":"callback","url":…}                          → {"claims":{…ID token…},…}
//	{"op":"userinfo"}                                  → {"userinfo":{…}}
//	{"op":"refresh"}                                   → {"old_prefix","new_prefix","replay":{…the error…}}
//	{"op":"introspect","token":"access_token"|"refresh_token"} → {"introspection":{…}}
//	{"op":"revoke","token":"access_token"|"refresh_token"}     → {"revoked":true}
//	{"op":"end_session","post_logout_redirect_uri":…,"state":…} → {"url":…}
//
// A failure is {"error":message,"code":the library's code,"oauth_error":the
// server's error,…}: the process never dies of one.
//
// Run from the repository: node e2e/oidc/rp.mjs (after npm ci --prefix e2e).

import * as readline from 'node:readline'
import * as client from 'openid-client'

const state = {
  config: null,
  redirectURI: '',
  pending: null, // {verifier, state, nonce}
  tokens: null, // the last token endpoint response
  idToken: '', // the last ID token (a refresh may not return one)
  claims: null, // its claims
  accessToken: '',
  refreshToken: '',
}

// prefix shows enough of a token to tell two apart, not enough to use it.
const prefix = (t) => (typeof t === 'string' ? t.slice(0, 12) : '')

async function failure(err) {
  const out = {
    error: String(err?.message ?? err),
    code: err?.code ?? '',
    name: err?.name ?? '',
  }
  if (err?.error !== undefined) out.oauth_error = err.error
  if (err?.error_description !== undefined) out.error_description = err.error_description
  if (err?.status !== undefined) out.status = err.status
  if (err?.cause instanceof Error) out.cause = String(err.cause.message)
  // An answer the library found unconforming: what the server said.
  const res = err?.cause instanceof Response ? err.cause : err?.response instanceof Response ? err.response : null
  if (res) {
    out.status = res.status
    out.www_authenticate = res.headers.get('www-authenticate') ?? ''
    out.content_type = res.headers.get('content-type') ?? ''
    try {
      out.body = (await res.clone().text()).slice(0, 500)
    } catch {
      // already read
    }
  }
  return out
}

function tokenSummary(t) {
  return {
    token_type: t.token_type,
    scope: t.scope ?? '',
    expires_in: t.expiresIn?.() ?? null,
    has_access_token: Boolean(t.access_token),
    has_refresh_token: Boolean(t.refresh_token),
    has_id_token: Boolean(t.id_token),
  }
}

function keep(t) {
  state.tokens = t
  state.accessToken = t.access_token
  if (t.refresh_token) state.refreshToken = t.refresh_token
  if (t.id_token) {
    state.idToken = t.id_token
    state.claims = t.claims()
  }
}

function need(what, v) {
  if (!v) throw new Error(`${what} first`)
  return v
}

const ops = {
  async discover(req) {
    state.redirectURI = req.redirect_uri
    state.config = await client.discovery(
      new URL(req.issuer),
      req.client_id,
      { client_secret: req.client_secret, redirect_uris: [req.redirect_uri] },
      client.ClientSecretBasic(req.client_secret),
      { execute: [client.allowInsecureRequests] },
    )
    const m = state.config.serverMetadata()
    return {
      issuer: m.issuer,
      authorization_endpoint: m.authorization_endpoint,
      token_endpoint: m.token_endpoint,
      userinfo_endpoint: m.userinfo_endpoint,
      introspection_endpoint: m.introspection_endpoint,
      revocation_endpoint: m.revocation_endpoint,
      end_session_endpoint: m.end_session_endpoint,
      supports_pkce: m.supportsPKCE?.() ?? null,
    }
  },

  async authorize(req) {
    const config = need('discover', state.config)
    const verifier = client.randomPKCECodeVerifier()
    const pending = { verifier, state: client.randomState(), nonce: client.randomNonce() }
    const params = {
      redirect_uri: state.redirectURI,
      scope: req.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    }
    if (req.acr_values) params.acr_values = req.acr_values
    if (req.login_hint) params.login_hint = req.login_hint
    state.pending = pending
    return { url: client.buildAuthorizationUrl(config, params).href, state: pending.state, nonce: pending.nonce }
  },

  async callback(req) {
    const config = need('discover', state.config)
    const pending = need('authorize', state.pending)
    state.pending = null // a pending sign-in is good for one answer
    const t = await client.authorizationCodeGrant(config, new URL(req.url), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    })
    keep(t)
    return { claims: state.claims, nonce: pending.nonce, ...tokenSummary(t) }
  },

  async userinfo() {
    const config = need('discover', state.config)
    const claims = need('callback', state.claims)
    return { userinfo: await client.fetchUserInfo(config, need('callback', state.accessToken), claims.sub) }
  },

  // refresh rotates the refresh token, then presents the old one again: a
  // provider with reuse detection refuses it (and revokes the sign-in).
  async refresh() {
    const config = need('discover', state.config)
    const old = need('a sign-in with offline_access', state.refreshToken)
    const oldAccess = state.accessToken
    const t = await client.refreshTokenGrant(config, old)
    keep(t)
    const out = {
      old_prefix: prefix(old),
      new_prefix: prefix(t.refresh_token),
      same: old === t.refresh_token,
      access_token_changed: Boolean(t.access_token) && t.access_token !== oldAccess,
      claims: t.id_token ? t.claims() : null,
      ...tokenSummary(t),
    }
    try {
      await client.refreshTokenGrant(config, old)
      out.replay = { accepted: true }
    } catch (err) {
      out.replay = await failure(err)
    }
    return out
  },

  async introspect(req) {
    const config = need('discover', state.config)
    const token = req.token === 'refresh_token' ? state.refreshToken : state.accessToken
    return { introspection: await client.tokenIntrospection(config, need(req.token || 'access_token', token)) }
  },

  async revoke(req) {
    const config = need('discover', state.config)
    const token = req.token === 'refresh_token' ? state.refreshToken : state.accessToken
    const hint = req.token === 'refresh_token' ? 'refresh_token' : 'access_token'
    await client.tokenRevocation(config, need(hint, token), { token_type_hint: hint })
    return { revoked: true }
  },

  async end_session(req) {
    const config = need('discover', state.config)
    const params = { id_token_hint: need('callback', state.idToken) }
    if (req.post_logout_redirect_uri) params.post_logout_redirect_uri = req.post_logout_redirect_uri
    if (req.state) params.state = req.state
    return { url: client.buildEndSessionUrl(config, params).href }
  },
}

function answer(v) {
  process.stdout.write(JSON.stringify(v) + '\n')
}

process.on('unhandledRejection', async (err) => answer(await failure(err)))

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (line.trim() === '') continue
  let req
  try {
    req = JSON.parse(line)
  } catch (err) {
    answer(await failure(err))
    continue
  }
  const op = ops[req?.op]
  if (!op) {
    answer({ error: `unknown op ${JSON.stringify(req?.op)}`, code: 'UNKNOWN_OP' })
    continue
  }
  try {
    answer(await op(req))
  } catch (err) {
    answer(await failure(err))
  }
}

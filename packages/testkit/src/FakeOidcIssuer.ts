import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

/**
 * An OpenID Connect provider on a real HTTP server on 127.0.0.1, speaking the protocol as OpenID Connect Core 1.0 and
 * RFC 7636 describe it: discovery (`/.well-known/openid-configuration`), the authorization endpoint (redirects back
 * with `code` and `state` for the person `signInAs` chose), the token endpoint (authorization-code grant with the
 * client secret and the PKCE S256 verifier; codes work once and for 60 seconds) and the JWKS. ID tokens are RS256
 * JWTs with `iss`, `aud`, `sub`, `nonce`, `iat`, `exp` and the person's email claims.
 */

export interface OidcPerson {
  readonly sub: string
  readonly email?: string
  readonly emailVerified?: boolean
  readonly name?: string
}

export interface OidcClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
}

interface Grant {
  readonly person: OidcPerson
  readonly clientId: string
  readonly redirectUri: string
  readonly nonce: string | undefined
  readonly challenge: string | undefined
  readonly expiresAt: number
}

const base64url = (value: Buffer | string) => Buffer.from(value).toString("base64url")

export class FakeOidcIssuer {
  /** The issuer URL (`iss`), which is also where discovery is served. */
  issuer = ""
  /** Every token request the issuer answered, for assertions. */
  readonly tokenRequests: Array<{ readonly status: number; readonly error?: string }> = []
  private readonly clients = new Map<string, OidcClient>()
  private readonly grants = new Map<string, Grant>()
  private person: OidcPerson | undefined
  private readonly keyId = base64url(randomBytes(8))
  private readonly privateKey: KeyObject
  private readonly publicJwk: Record<string, unknown>
  private server: Server | undefined

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    this.privateKey = privateKey
    this.publicJwk = { ...publicKey.export({ format: "jwk" }), kid: this.keyId, alg: "RS256", use: "sig" }
  }

  /** A relying party the issuer knows. */
  register(client: OidcClient): void {
    this.clients.set(client.clientId, client)
  }

  /** Who is signed in at the issuer: the person the next authorization is for. */
  signInAs(person: OidcPerson): void {
    this.person = person
  }

  /** An ID token signed by another key than the issuer's, with otherwise valid claims: verifiers must refuse it. */
  forgedIdToken(claims: Record<string, unknown>): string {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    return this.jwt(claims, privateKey)
  }

  private jwt(claims: Record<string, unknown>, key: KeyObject = this.privateKey): string {
    const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: this.keyId }))
    const payload = base64url(JSON.stringify(claims))
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), key)
    return `${header}.${payload}.${base64url(signature)}`
  }

  /**
   * What a browser does at the authorization endpoint: follows `authorizationUrl` and returns where the issuer
   * redirected it (`redirect_uri?code=…&state=…`, or `?error=…`).
   */
  async authorize(authorizationUrl: string): Promise<URL> {
    const response = await fetch(authorizationUrl, { redirect: "manual" })
    const location = response.headers.get("location")
    if (response.status !== 302 || location === null) {
      throw new Error(`authorization answered ${response.status}: ${await response.text()}`)
    }
    return new URL(location)
  }

  private json(response: ServerResponse, status: number, body: unknown) {
    response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" })
    response.end(JSON.stringify(body))
  }

  private handleAuthorize(url: URL, response: ServerResponse) {
    const q = url.searchParams
    const client = this.clients.get(q.get("client_id") ?? "")
    const redirectUri = q.get("redirect_uri") ?? ""
    // An unknown client or redirect URI is shown to the user, never redirected to (RFC 6749 §4.1.2.1).
    if (client === undefined || client.redirectUri !== redirectUri) {
      return this.json(response, 400, { error: "invalid_request", error_description: "unknown client or redirect_uri" })
    }
    const back = new URL(redirectUri)
    const state = q.get("state")
    if (state !== null) back.searchParams.set("state", state)
    const fail = (error: string) => {
      back.searchParams.set("error", error)
      response.writeHead(302, { location: back.toString() }).end()
    }
    if (q.get("response_type") !== "code") return fail("unsupported_response_type")
    if (!(q.get("scope") ?? "").split(" ").includes("openid")) return fail("invalid_scope")
    if (q.get("code_challenge") !== null && q.get("code_challenge_method") !== "S256") return fail("invalid_request")
    if (this.person === undefined) return fail("login_required")
    const code = base64url(randomBytes(24))
    this.grants.set(code, {
      person: this.person,
      clientId: client.clientId,
      redirectUri,
      nonce: q.get("nonce") ?? undefined,
      challenge: q.get("code_challenge") ?? undefined,
      expiresAt: Date.now() + 60_000,
    })
    back.searchParams.set("code", code)
    response.writeHead(302, { location: back.toString() }).end()
  }

  private handleToken(body: URLSearchParams, request: IncomingMessage, response: ServerResponse) {
    const refuse = (status: number, error: string) => {
      this.tokenRequests.push({ status, error })
      this.json(response, status, { error })
    }
    let clientId = body.get("client_id") ?? ""
    let clientSecret = body.get("client_secret") ?? ""
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":")
      clientId = decodeURIComponent(id ?? "")
      clientSecret = decodeURIComponent(secret ?? "")
    }
    const client = this.clients.get(clientId)
    if (client === undefined || client.clientSecret !== clientSecret) return refuse(401, "invalid_client")
    if (body.get("grant_type") !== "authorization_code") return refuse(400, "unsupported_grant_type")
    const code = body.get("code") ?? ""
    const grant = this.grants.get(code)
    this.grants.delete(code)
    if (grant === undefined || grant.expiresAt < Date.now() || grant.clientId !== clientId) {
      return refuse(400, "invalid_grant")
    }
    if (body.get("redirect_uri") !== grant.redirectUri) return refuse(400, "invalid_grant")
    if (grant.challenge !== undefined) {
      const verifier = body.get("code_verifier") ?? ""
      if (createHash("sha256").update(verifier).digest("base64url") !== grant.challenge) {
        return refuse(400, "invalid_grant")
      }
    }
    const now = Math.floor(Date.now() / 1000)
    const idToken = this.jwt({
      iss: this.issuer,
      aud: clientId,
      sub: grant.person.sub,
      iat: now,
      exp: now + 300,
      ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
      ...(grant.person.email === undefined ? {} : { email: grant.person.email }),
      ...(grant.person.emailVerified === undefined ? {} : { email_verified: grant.person.emailVerified }),
      ...(grant.person.name === undefined ? {} : { name: grant.person.name }),
    })
    this.tokenRequests.push({ status: 200 })
    this.json(response, 200, {
      access_token: base64url(randomBytes(24)),
      token_type: "Bearer",
      expires_in: 300,
      id_token: idToken,
    })
  }

  private handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", this.issuer)
    if (request.method === "GET" && url.pathname === "/.well-known/openid-configuration") {
      return this.json(response, 200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
        code_challenge_methods_supported: ["S256"],
      })
    }
    if (request.method === "GET" && url.pathname === "/jwks")
      return this.json(response, 200, { keys: [this.publicJwk] })
    if (request.method === "GET" && url.pathname === "/authorize") return this.handleAuthorize(url, response)
    if (request.method === "POST" && url.pathname === "/token") {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () =>
        this.handleToken(new URLSearchParams(Buffer.concat(chunks).toString()), request, response),
      )
      return
    }
    this.json(response, 404, { error: "not_found" })
  }

  listen(): Promise<void> {
    return new Promise((resolve) => {
      const server = createServer((request, response) => this.handle(request, response))
      server.listen(0, "127.0.0.1", () => {
        this.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        this.server = server
        resolve()
      })
    })
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.server === undefined) return resolve()
      this.server.closeAllConnections()
      this.server.close(() => resolve())
    })
  }
}

/** A fake issuer listening on a free port for the scope's lifetime. */
export const start = Effect.acquireRelease(
  Effect.promise(async () => {
    const issuer = new FakeOidcIssuer()
    await issuer.listen()
    return issuer
  }),
  (issuer) => Effect.promise(() => issuer.close()),
)

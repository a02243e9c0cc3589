import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Conflict, RateLimited, Unauthenticated, ValidationFailed } from "../ApiErrors.ts"
import { EmailInput, isPlainText, Password, PersonNameInput, User } from "../Identity.ts"
import { SessionId } from "../Ids.ts"
import * as Rules from "../Rules.ts"

/** Sign-up, sign-in and everything before a person holds an access token (`/v1/auth/*`, no Bearer needed). */

/** An opaque token handed to a client (refresh token, challenge, email token): never empty, never huge. */
const OpaqueToken = Rules.text(512, 1)

/** A new session: a 15-minute JWT access token and the opaque refresh token that renews it. */
export class TokenPair extends Schema.Class<TokenPair>("TokenPair")(
  Schema.Struct({
    tokenType: Schema.Literal("Bearer").annotate({ description: "Always `Bearer`." }),
    accessToken: Schema.String.annotate({
      description: "The access token (a JWT): send it as `Authorization: Bearer <accessToken>`.",
    }),
    /** Seconds the access token lives. */
    expiresIn: Schema.Int.annotate({ description: "Seconds the access token lives." }),
    /** Single use: each refresh answers a new one, and presenting a spent one revokes the whole session. */
    refreshToken: Schema.String.annotate({
      description:
        "Renews the session at `POST /v1/auth/refresh`. Single use: each refresh answers a new one, and presenting a spent one revokes the whole session.",
    }),
    /** The session (it keeps its id across refreshes), as `GET /v1/me/sessions` lists it. */
    sessionId: SessionId.annotate({
      description: "The session (it keeps its id across refreshes), as `GET /v1/me/sessions` lists it.",
    }),
  }).annotate({
    description: "A new session: a 15-minute access token and the single-use refresh token that renews it.",
  }),
  { description: "A new session: a 15-minute access token and the single-use refresh token that renews it." },
) {}

export class SignedIn extends Schema.Class<SignedIn>("SignedIn")(
  {
    status: Schema.Literal("signed_in").annotate({ description: "`signed_in`." }),
    user: User.annotate({ description: "The person signed in." }),
    tokens: TokenPair.annotate({ description: "The new session's tokens." }),
  },
  { description: "Signed in: the person and a new session's tokens." },
) {}

/** The password was right and the account has MFA on: finish with `POST /v1/auth/mfa` within `expiresIn` seconds. */
export class MfaRequired extends Schema.Class<MfaRequired>("MfaRequired")(
  {
    status: Schema.Literal("mfa_required").annotate({
      description: "`mfa_required`: finish with `POST /v1/auth/mfa`.",
    }),
    challengeToken: Schema.String.annotate({ description: "Send back with the code to `POST /v1/auth/mfa`." }),
    expiresIn: Schema.Int.annotate({ description: "Seconds the challenge stays valid." }),
  },
  {
    description:
      "The password was right and the account has MFA on: finish with `POST /v1/auth/mfa` within `expiresIn` seconds.",
  },
) {}

export const SignupRequest = Schema.Struct({
  email: EmailInput.pipe(
    Schema.annotateEncoded({
      description: "The address to sign up with; a verification link is emailed there.",
      examples: ["ada@example.com"],
    }),
  ),
  password: Password.annotate({ description: "The password: 10 to 256 characters." }),
  name: Schema.optionalKey(
    PersonNameInput.pipe(
      Schema.annotateEncoded({ description: "The person's name; absent: empty.", examples: ["Ada Lovelace"] }),
    ),
  ),
})
export type SignupRequest = typeof SignupRequest.Type

export const LoginRequest = Schema.Struct({
  email: Rules.text(254, 1)
    .check(isPlainText)
    .annotate({ description: "The account's email address.", examples: ["ada@example.com"] }),
  password: Rules.text(256, 1).annotate({ description: "The account's password." }),
})
export const MfaLoginRequest = Schema.Struct({
  challengeToken: OpaqueToken.annotate({ description: "The `challengeToken` of the `mfa_required` answer." }),
  /** A 6-digit code from the authenticator app, or one of the recovery codes. */
  code: Rules.text(64, 1).annotate({
    description: "A 6-digit code from the authenticator app, or one of the recovery codes.",
  }),
})
export const RefreshRequest = Schema.Struct({
  refreshToken: OpaqueToken.annotate({ description: "The session's current refresh token." }),
})
export const TokenRequest = Schema.Struct({
  token: OpaqueToken.annotate({ description: "The token from the emailed link." }),
})
export const PasswordResetRequest = Schema.Struct({
  email: EmailInput.pipe(
    Schema.annotateEncoded({
      description: "The account's email address; a reset link is emailed there if it has an account.",
    }),
  ),
})
export const PasswordResetCompletion = Schema.Struct({
  token: OpaqueToken.annotate({ description: "The token from the emailed reset link." }),
  password: Password.annotate({ description: "The new password: 10 to 256 characters." }),
})

/** A configured SSO provider's name, e.g. `oidc`. */
export const SsoProvider = Schema.String.check(
  Rules.make("sso-provider", "must be the name of a configured SSO provider: a-z, 0-9 and '-'", (value) =>
    /^[a-z0-9][a-z0-9-]{0,62}$/.test(value),
  ),
).annotate({ description: "The name of an SSO provider configured on this Starbase.", examples: ["oidc"] })

export class SsoAuthorization extends Schema.Class<SsoAuthorization>("SsoAuthorization")(
  {
    /** Send the browser here; the issuer redirects back to the configured callback with `code` and `state`. */
    authorizationUrl: Schema.String.annotate({
      description:
        "Send the browser here; the issuer redirects back to the configured callback with `code` and `state`.",
    }),
  },
  { description: "Where to send the browser to sign in with the SSO provider." },
) {}

export const SsoCallback = Schema.Struct({
  code: OpaqueToken.annotate({ description: "The authorization code the issuer sent back." }),
  state: OpaqueToken.annotate({ description: "The state the issuer sent back." }),
})

export const IdentityAuthGroup = HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("signup", "/v1/auth/signup", {
      payload: SignupRequest,
      success: SignedIn.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Conflict, RateLimited],
    })
      .annotate(OpenApi.Summary, "Create an account and sign in; a verification link is emailed")
      .annotate(
        OpenApi.Description,
        "Creates the account and its first session, and emails a link to verify the address. The password is stored only as an argon2id hash. Rate-limited per client address and per email.",
      ),
    HttpApiEndpoint.post("login", "/v1/auth/login", {
      payload: LoginRequest,
      success: [SignedIn, MfaRequired],
      error: [ValidationFailed, Unauthenticated, RateLimited],
    })
      .annotate(OpenApi.Summary, "Sign in with email and password; accounts with MFA answer mfa_required")
      .annotate(
        OpenApi.Description,
        "Answers `signed_in` with a new session's tokens, or `mfa_required` with a challenge to finish at `POST /v1/auth/mfa` when the account has two-factor sign-in on. A wrong email and a wrong password are worded the same. Rate-limited per client address and per email.",
      ),
    HttpApiEndpoint.post("completeMfa", "/v1/auth/mfa", {
      payload: MfaLoginRequest,
      success: SignedIn,
      error: [ValidationFailed, Unauthenticated, RateLimited],
    })
      .annotate(OpenApi.Summary, "Finish an MFA sign-in with an authenticator or recovery code")
      .annotate(
        OpenApi.Description,
        "Send the `challengeToken` from `login` with a 6-digit code from the authenticator app, or a recovery code (each works once).",
      ),
    HttpApiEndpoint.post("refresh", "/v1/auth/refresh", {
      payload: RefreshRequest,
      success: TokenPair,
      error: [ValidationFailed, Unauthenticated],
    })
      .annotate(OpenApi.Summary, "Trade a refresh token for a new token pair (the old refresh token is spent)")
      .annotate(
        OpenApi.Description,
        "Refresh tokens are single use: the answer holds a new refresh token, and presenting a spent one revokes the whole session (a stolen token is then useless).",
      ),
    HttpApiEndpoint.post("verifyEmail", "/v1/auth/verify-email", {
      success: HttpApiSchema.NoContent.annotate({ description: "The address is verified." }),
      payload: TokenRequest,
      error: ValidationFailed,
    })
      .annotate(OpenApi.Summary, "Confirm an email address with the token from the verification email")
      .annotate(
        OpenApi.Description,
        "The token comes from the link in the verification email; it works once and expires.",
      ),
    HttpApiEndpoint.post("requestPasswordReset", "/v1/auth/password-reset", {
      payload: PasswordResetRequest,
      success: HttpApiSchema.Accepted.annotate({
        description: "Accepted: if the address has an account, a reset link is on its way.",
      }),
      error: [ValidationFailed, RateLimited],
    })
      .annotate(
        OpenApi.Summary,
        "Email a single-use password reset link (answers 202 whether or not the address exists)",
      )
      .annotate(
        OpenApi.Description,
        "Answers 202 whether or not the address has an account, so the answer does not tell who has one. The link works once and expires.",
      ),
    HttpApiEndpoint.post("resetPassword", "/v1/auth/password-reset/complete", {
      success: HttpApiSchema.NoContent.annotate({
        description: "The password is changed and every session is signed out.",
      }),
      payload: PasswordResetCompletion,
      error: ValidationFailed,
    })
      .annotate(OpenApi.Summary, "Set a new password with a reset token; every session of the account is signed out")
      .annotate(
        OpenApi.Description,
        "The token comes from the emailed link. Every session of the account is signed out, so whoever knew the old password is locked out.",
      ),
    HttpApiEndpoint.get("ssoStart", "/v1/auth/sso/:provider", {
      params: { provider: SsoProvider },
      success: SsoAuthorization,
      error: [ValidationFailed],
    })
      .annotate(OpenApi.Summary, "Start an OIDC sign-in: where to send the browser")
      .annotate(
        OpenApi.Description,
        "Answers the provider's authorization URL with a fresh state and PKCE challenge; send the browser there. The provider returns it to the configured callback with `code` and `state`.",
      ),
    HttpApiEndpoint.post("ssoCallback", "/v1/auth/sso/:provider/callback", {
      params: { provider: SsoProvider },
      payload: SsoCallback,
      success: SignedIn,
      error: [ValidationFailed, Unauthenticated, RateLimited],
    })
      .annotate(OpenApi.Summary, "Finish an OIDC sign-in: exchange the issuer's code and sign in")
      .annotate(OpenApi.Description, "Exchanges the issuer's code and signs in the account linked to that identity."),
  )
  .annotate(OpenApi.Title, "Authentication")
  .annotate(
    OpenApi.Description,
    "Sign-up, sign-in (with two-factor and SSO), token refresh, email verification and password reset: everything before a person holds an access token. No Bearer token needed.",
  )

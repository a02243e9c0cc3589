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
export class TokenPair extends Schema.Class<TokenPair>("TokenPair")({
  tokenType: Schema.Literal("Bearer"),
  accessToken: Schema.String,
  /** Seconds the access token lives. */
  expiresIn: Schema.Int,
  /** Single use: each refresh answers a new one, and presenting a spent one revokes the whole session. */
  refreshToken: Schema.String,
  /** The session (it keeps its id across refreshes), as `GET /v1/me/sessions` lists it. */
  sessionId: SessionId,
}) {}

export class SignedIn extends Schema.Class<SignedIn>("SignedIn")({
  status: Schema.Literal("signed_in"),
  user: User,
  tokens: TokenPair,
}) {}

/** The password was right and the account has MFA on: finish with `POST /v1/auth/mfa` within `expiresIn` seconds. */
export class MfaRequired extends Schema.Class<MfaRequired>("MfaRequired")({
  status: Schema.Literal("mfa_required"),
  challengeToken: Schema.String,
  expiresIn: Schema.Int,
}) {}

export const SignupRequest = Schema.Struct({
  email: EmailInput,
  password: Password,
  name: Schema.optionalKey(PersonNameInput),
})
export type SignupRequest = typeof SignupRequest.Type

export const LoginRequest = Schema.Struct({
  email: Rules.text(254, 1).check(isPlainText),
  password: Rules.text(256, 1),
})
export const MfaLoginRequest = Schema.Struct({
  challengeToken: OpaqueToken,
  /** A 6-digit code from the authenticator app, or one of the recovery codes. */
  code: Rules.text(64, 1),
})
export const RefreshRequest = Schema.Struct({ refreshToken: OpaqueToken })
export const TokenRequest = Schema.Struct({ token: OpaqueToken })
export const PasswordResetRequest = Schema.Struct({ email: EmailInput })
export const PasswordResetCompletion = Schema.Struct({ token: OpaqueToken, password: Password })

/** A configured SSO provider's name, e.g. `oidc`. */
export const SsoProvider = Schema.String.check(
  Rules.make("sso-provider", "must be the name of a configured SSO provider: a-z, 0-9 and '-'", (value) =>
    /^[a-z0-9][a-z0-9-]{0,62}$/.test(value),
  ),
)

export class SsoAuthorization extends Schema.Class<SsoAuthorization>("SsoAuthorization")({
  /** Send the browser here; the issuer redirects back to the configured callback with `code` and `state`. */
  authorizationUrl: Schema.String,
}) {}

export const SsoCallback = Schema.Struct({ code: OpaqueToken, state: OpaqueToken })

export const IdentityAuthGroup = HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("signup", "/v1/auth/signup", {
      payload: SignupRequest,
      success: SignedIn.pipe(HttpApiSchema.status(201)),
      error: [ValidationFailed, Conflict, RateLimited],
    }).annotate(OpenApi.Summary, "Create an account and sign in; a verification link is emailed"),
    HttpApiEndpoint.post("login", "/v1/auth/login", {
      payload: LoginRequest,
      success: [SignedIn, MfaRequired],
      error: [ValidationFailed, Unauthenticated, RateLimited],
    }).annotate(OpenApi.Summary, "Sign in with email and password; accounts with MFA answer mfa_required"),
    HttpApiEndpoint.post("completeMfa", "/v1/auth/mfa", {
      payload: MfaLoginRequest,
      success: SignedIn,
      error: [ValidationFailed, Unauthenticated, RateLimited],
    }).annotate(OpenApi.Summary, "Finish an MFA sign-in with an authenticator or recovery code"),
    HttpApiEndpoint.post("refresh", "/v1/auth/refresh", {
      payload: RefreshRequest,
      success: TokenPair,
      error: [ValidationFailed, Unauthenticated],
    }).annotate(OpenApi.Summary, "Trade a refresh token for a new token pair (the old refresh token is spent)"),
    HttpApiEndpoint.post("verifyEmail", "/v1/auth/verify-email", {
      payload: TokenRequest,
      error: ValidationFailed,
    }).annotate(OpenApi.Summary, "Confirm an email address with the token from the verification email"),
    HttpApiEndpoint.post("requestPasswordReset", "/v1/auth/password-reset", {
      payload: PasswordResetRequest,
      success: HttpApiSchema.Accepted,
      error: [ValidationFailed, RateLimited],
    }).annotate(
      OpenApi.Summary,
      "Email a single-use password reset link (answers 202 whether or not the address exists)",
    ),
    HttpApiEndpoint.post("resetPassword", "/v1/auth/password-reset/complete", {
      payload: PasswordResetCompletion,
      error: ValidationFailed,
    }).annotate(OpenApi.Summary, "Set a new password with a reset token; every session of the account is signed out"),
    HttpApiEndpoint.get("ssoStart", "/v1/auth/sso/:provider", {
      params: { provider: SsoProvider },
      success: SsoAuthorization,
      error: [ValidationFailed],
    }).annotate(OpenApi.Summary, "Start an OIDC sign-in: where to send the browser"),
    HttpApiEndpoint.post("ssoCallback", "/v1/auth/sso/:provider/callback", {
      params: { provider: SsoProvider },
      payload: SsoCallback,
      success: SignedIn,
      error: [ValidationFailed, Unauthenticated, RateLimited],
    }).annotate(OpenApi.Summary, "Finish an OIDC sign-in: exchange the issuer's code and sign in"),
  )
  .annotate(OpenApi.Title, "Authentication")

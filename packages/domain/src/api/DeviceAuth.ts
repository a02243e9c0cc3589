import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed } from "../ApiErrors.ts"
import { Authentication } from "../Auth.ts"
import { Timestamp } from "../Columns.ts"
import * as Rules from "../Rules.ts"
import { TokenPair } from "./IdentityAuth.ts"

/**
 * Device-code sign-in (RFC 8628) for the CLI and other devices without a browser: the device asks for a code pair,
 * shows the short `user_code` and where to enter it, and polls the token endpoint; a signed-in person approves the
 * code (the dashboard's `/device` page, or `POST /v1/auth/device/approve`), and the next poll receives a session.
 * The code and token endpoints speak the RFC's snake_case JSON; approval is an ordinary authenticated call.
 */

/** The RFC's grant type for the token request (optional here: the endpoint serves only this grant). */
export const deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"

/** Characters of user codes: consonants only (RFC 8628 §6.1), so no word, no 0/O or 1/I confusion. */
export const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

/** A user code as typed: case, spaces and dashes do not matter (`bcdf-ghjk` is `BCDFGHJK`). */
export const normaliseUserCode = (input: string): string => input.toUpperCase().replace(/[^A-Z]/g, "")

/** A user code as shown: two groups of four, `BCDF-GHJK`. */
export const displayUserCode = (code: string): string => `${code.slice(0, 4)}-${code.slice(4)}`

const UserCodeInput = Rules.matching(
  "user-code",
  /^[\sA-Za-z-]{8,16}$/,
  "must be the code the device shows, e.g. BCDF-GHJK",
).annotate({ description: "The code the device shows, e.g. `BCDF-GHJK` (case, spaces and dashes are ignored)." })

export const DeviceCodeRequest = Schema.Struct({
  client_name: Schema.optionalKey(
    Rules.text(64, 1).annotate({
      description: "What is asking to sign in, shown to the person approving it (e.g. `starform CLI on laptop`).",
    }),
  ),
})

/** RFC 8628 §3.2: the device authorization response. */
export class DeviceAuthorization extends Schema.Class<DeviceAuthorization>("DeviceAuthorization")(
  {
    device_code: Schema.String.annotate({
      description: "The secret the device polls the token endpoint with. Never shown to the person.",
    }),
    user_code: Schema.String.annotate({ description: "The short code the person enters, e.g. `BCDF-GHJK`." }),
    verification_uri: Schema.String.annotate({ description: "Where the person enters the code (the `/device` page)." }),
    verification_uri_complete: Schema.String.annotate({
      description: "The same page with the code filled in, for a link or a QR code.",
    }),
    expires_in: Schema.Int.annotate({ description: "Seconds both codes stay valid." }),
    interval: Schema.Int.annotate({ description: "Seconds the device waits between polls." }),
  },
  { description: "A device sign-in started: the code to poll with, and the code and page to show the person." },
) {}

export const DeviceTokenRequest = Schema.Struct({
  grant_type: Schema.optionalKey(
    Schema.Literal(deviceCodeGrantType).annotate({ description: "The RFC 8628 grant type (optional)." }),
  ),
  device_code: Rules.text(512, 1).annotate({ description: "The `device_code` from `POST /v1/auth/device/code`." }),
})

/** The RFC 8628 §3.5 error codes of the token endpoint, and RFC 6749's `invalid_grant` for an unknown or used code. */
export const deviceTokenErrors = [
  "authorization_pending",
  "slow_down",
  "expired_token",
  "access_denied",
  "invalid_grant",
] as const
export type DeviceTokenErrorCode = (typeof deviceTokenErrors)[number]

/** 400 from the token endpoint in the RFC's shape: `{ error, error_description }` (`interval` after `slow_down`). */
export class DeviceTokenError extends Schema.Error<DeviceTokenError>("DeviceTokenError")(
  {
    _tag: Schema.tagDefaultOmit("DeviceTokenError").pipe(
      Schema.annotateEncoded({ description: "Not sent: the error's name in Effect clients." }),
    ),
    error: Schema.Literals(deviceTokenErrors).annotate({
      description:
        "authorization_pending: keep polling; slow_down: poll less often; expired_token: start again; access_denied: the person said no; invalid_grant: unknown or already used code.",
    }),
    error_description: Schema.String.annotate({ description: "The same in words." }),
    interval: Schema.optionalKey(Schema.Int.annotate({ description: "After slow_down: the seconds to wait now." })),
  },
  { httpApiStatus: 400, description: "The device code is not (or no longer) good for a session, in RFC 8628's words." },
) {}

export const DeviceDecisionRequest = Schema.Struct({ user_code: UserCodeInput })

/** What the person approved or denied, to confirm it on the page. */
export class DeviceDecision extends Schema.Class<DeviceDecision>("DeviceDecision")(
  {
    status: Schema.Literals(["approved", "denied"]).annotate({ description: "What became of the request." }),
    clientName: Schema.NullOr(Schema.String).annotate({ description: "What asked to sign in, as it named itself." }),
  },
  { description: "The person's decision on a device sign-in, and what asked for it." },
) {}

/** A device waiting for approval, as the approval page shows it (RFC 8628 §5.4: let the person check what asks). */
export class PendingDevice extends Schema.Class<PendingDevice>("PendingDevice")(
  {
    clientName: Schema.NullOr(Schema.String).annotate({ description: "What asked to sign in, as it named itself." }),
    userAgent: Schema.NullOr(Schema.String).annotate({ description: "The asking device's User-Agent." }),
    ip: Schema.NullOr(Schema.String).annotate({ description: "The address the request for the code came from." }),
    createdAt: Timestamp.annotate({ description: "When the device asked for the code." }),
    expiresAt: Timestamp.annotate({ description: "When the code stops working." }),
  },
  { description: "A device waiting for approval: what it called itself, where it asked from, and until when." },
) {}

export const DeviceAuthGroup = HttpApiGroup.make("device")
  .add(
    HttpApiEndpoint.post("deviceCode", "/v1/auth/device/code", {
      payload: DeviceCodeRequest,
      success: DeviceAuthorization,
      error: [ValidationFailed, RateLimited],
    })
      .annotate(
        OpenApi.Summary,
        "Start a device sign-in (RFC 8628): a device code to poll with and a user code to show",
      )
      .annotate(
        OpenApi.Description,
        "The device shows `user_code` and `verification_uri`, then polls `POST /v1/auth/device/token` every `interval` seconds until a signed-in person approves the code.",
      ),
    HttpApiEndpoint.post("deviceToken", "/v1/auth/device/token", {
      payload: DeviceTokenRequest,
      success: TokenPair,
      error: [DeviceTokenError, ValidationFailed, RateLimited],
    })
      .annotate(OpenApi.Summary, "Poll for the session of an approved device code (once; RFC 8628 errors until then)")
      .annotate(
        OpenApi.Description,
        "Answers 400 `authorization_pending` until the code is approved, `slow_down` when polled faster than `interval`, `access_denied` when denied, `expired_token` when too late; then the token pair, once.",
      ),
  )
  .annotate(OpenApi.Title, "Device sign-in")
  .annotate(
    OpenApi.Description,
    "Sign in a device without a browser, such as the CLI (RFC 8628): ask for a code pair, show the user code, poll for the session.",
  )

export const DeviceApprovalGroup = HttpApiGroup.make("deviceApproval")
  .add(
    HttpApiEndpoint.post("describeDevice", "/v1/auth/device/lookup", {
      payload: DeviceDecisionRequest,
      success: PendingDevice,
      error: [ValidationFailed, NotFound, Unauthenticated, Forbidden, RateLimited],
    })
      .annotate(OpenApi.Summary, "What is asking to sign in with this user code, to show before approving it")
      .annotate(
        OpenApi.Description,
        "Shows the person what asked for the code (its name, User-Agent, address, expiry) before they approve it (RFC 8628 §5.4). 404 when no pending code matches.",
      ),
    HttpApiEndpoint.post("approveDevice", "/v1/auth/device/approve", {
      payload: DeviceDecisionRequest,
      success: DeviceDecision,
      error: [ValidationFailed, NotFound, Unauthenticated, Forbidden, RateLimited],
    })
      .annotate(OpenApi.Summary, "Approve a device's user code: its next poll signs it in as this person")
      .annotate(
        OpenApi.Description,
        "Only a signed-in person can approve (an API token cannot). The device's next poll of `POST /v1/auth/device/token` receives a session of this person, once.",
      ),
    HttpApiEndpoint.post("denyDevice", "/v1/auth/device/deny", {
      payload: DeviceDecisionRequest,
      success: DeviceDecision,
      error: [ValidationFailed, NotFound, Unauthenticated, Forbidden, RateLimited],
    })
      .annotate(OpenApi.Summary, "Refuse a device's user code: its next poll hears access_denied")
      .annotate(OpenApi.Description, "The device's next poll answers `access_denied`; the code cannot be used again."),
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Device sign-in approval")
  .annotate(
    OpenApi.Description,
    "A signed-in person looks up, approves or refuses the user code a device shows (the dashboard's `/device` page).",
  )

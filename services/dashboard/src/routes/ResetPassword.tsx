import { IdentityAuthApi } from "@starform/domain"
import { Exit } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import * as Session from "../api/Session.ts"
import { useAtomRun } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Link, useLocation } from "../ui/Router.tsx"

/**
 * `/reset-password`: without a token, asks for the address to email a reset link to (the answer never tells whether
 * it has an account); with the mailed link's `?token=`, sets the new password. Every session of the account is then
 * signed out, this browser's too.
 */
export const ResetPassword = () => {
  const token = useLocation().query.get("token")
  return <main className="auth">{token === null ? <RequestReset /> : <SetPassword token={token} />}</main>
}

const RequestReset = () => {
  const request = useAtomRun(Api.mutation("auth", "requestPasswordReset"))
  const [sent, setSent] = React.useState(false)
  const form = useSubmit(async (data) => {
    const payload = Input.decode(IdentityAuthApi.PasswordResetRequest, { email: text(data, "email") })
    if (!payload.ok) return payload.problem
    const exit = await request({ payload: payload.value })
    if (Exit.isSuccess(exit)) setSent(true)
    return Problems.fromExit(exit)
  })
  return (
    <>
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">If that address has an account, a reset link is on its way. It works once.</p>
      ) : (
        <form onSubmit={form.onSubmit} noValidate>
          <Field label="Email" name="email" type="email" autoComplete="email" required problem={form.problem} />
          <FormError problem={form.problem} />
          <button type="submit" disabled={form.busy}>
            {form.busy ? "Sending…" : "Email me a reset link"}
          </button>
        </form>
      )}
      <p>
        <Link to="/signin">Back to sign in</Link>
      </p>
    </>
  )
}

const SetPassword = ({ token }: { readonly token: string }) => {
  const reset = useAtomRun(Api.mutation("auth", "resetPassword"))
  const [done, setDone] = React.useState(false)
  const form = useSubmit(async (data) => {
    const payload = Input.decode(IdentityAuthApi.PasswordResetCompletion, { token, password: text(data, "password") })
    if (!payload.ok) return payload.problem
    const exit = await reset({ payload: payload.value })
    if (Exit.isSuccess(exit)) {
      // Every session is signed out by the reset, this browser's included.
      Session.clear()
      setDone(true)
    }
    return Problems.fromExit(exit)
  })
  return (
    <>
      <h1>Choose a new password</h1>
      {done ? (
        <p role="status">Your password is changed, and every session is signed out.</p>
      ) : (
        <form onSubmit={form.onSubmit} noValidate>
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            problem={form.problem}
            hint="10 to 256 characters."
          />
          <FormError problem={form.problem} />
          <button type="submit" disabled={form.busy}>
            {form.busy ? "Saving…" : "Set new password"}
          </button>
        </form>
      )}
      <p>
        <Link to="/signin">Sign in</Link>
      </p>
    </>
  )
}

import { Exit } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Problems from "../api/Problems.ts"
import * as Session from "../api/Session.ts"
import { useAtomRun } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Link, navigate, useLocation } from "../ui/Router.tsx"

/** Where to go after signing in: the page that asked for it (`?next=`), only ever a path of this site. */
export const nextPath = (next: string | null) => (next !== null && /^\/(?!\/)/.test(next) ? next : "/")

/** Email and password; an account with MFA on is then asked for its authenticator (or a recovery) code. */
export const SignIn = () => {
  const { query } = useLocation()
  const next = nextPath(query.get("next"))
  const login = useAtomRun(Api.mutation("auth", "login"))
  const completeMfa = useAtomRun(Api.mutation("auth", "completeMfa"))
  const [challenge, setChallenge] = React.useState<string | undefined>(undefined)

  const password = useSubmit(async (data) => {
    const exit = await login({ payload: { email: text(data, "email"), password: text(data, "password") } })
    if (Exit.isSuccess(exit)) {
      if (exit.value.status === "mfa_required") setChallenge(exit.value.challengeToken)
      else {
        Session.start(exit.value.tokens)
        navigate(next)
      }
    }
    return Problems.fromExit(exit)
  })
  const mfa = useSubmit(async (data) => {
    if (challenge === undefined) return undefined
    const exit = await completeMfa({ payload: { challengeToken: challenge, code: text(data, "code") } })
    if (Exit.isSuccess(exit)) {
      Session.start(exit.value.tokens)
      navigate(next)
    }
    return Problems.fromExit(exit)
  })

  if (challenge !== undefined) {
    return (
      <main className="auth">
        <h1>Two-factor sign-in</h1>
        <form onSubmit={mfa.onSubmit} noValidate>
          <Field
            label="Authenticator code"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            problem={mfa.problem}
            hint="The 6 digits from your authenticator app, or one of your recovery codes."
          />
          <FormError problem={mfa.problem} />
          <button type="submit" disabled={mfa.busy}>
            {mfa.busy ? "Checking…" : "Verify"}
          </button>
        </form>
      </main>
    )
  }
  return (
    <main className="auth">
      <h1>Sign in to Starform</h1>
      <form onSubmit={password.onSubmit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="email" required problem={password.problem} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          problem={password.problem}
        />
        <FormError problem={password.problem} />
        <button type="submit" disabled={password.busy}>
          {password.busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        <Link to="/reset-password">Forgot your password?</Link>
      </p>
      <p>
        New here?{" "}
        <Link to={next === "/" ? "/signup" : `/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </main>
  )
}

import { IdentityAuthApi } from "@starform/domain"
import { Exit } from "effect"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import * as Session from "../api/Session.ts"
import { useAtomRun } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { Link, navigate, useLocation } from "../ui/Router.tsx"
import { nextPath } from "./SignIn.tsx"

/** Create an account; the API signs the new account in at once (a verification link is emailed). */
export const SignUp = () => {
  const next = nextPath(useLocation().query.get("next"))
  const signup = useAtomRun(Api.mutation("auth", "signup"))
  const form = useSubmit(async (data) => {
    const name = text(data, "name")
    const payload = Input.decode(IdentityAuthApi.SignupRequest, {
      email: text(data, "email"),
      password: text(data, "password"),
      ...(name === "" ? {} : { name }),
    })
    if (!payload.ok) return payload.problem
    const exit = await signup({ payload: payload.value })
    if (Exit.isSuccess(exit)) {
      Session.start(exit.value.tokens)
      navigate(next === "/" ? "/workspaces/new" : next)
    }
    return Problems.fromExit(exit)
  })
  return (
    <main className="auth">
      <h1>Create your Starform account</h1>
      <form onSubmit={form.onSubmit} noValidate>
        <Field label="Name" name="name" autoComplete="name" problem={form.problem} />
        <Field label="Email" name="email" type="email" autoComplete="email" required problem={form.problem} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          problem={form.problem}
          hint="10 to 256 characters."
        />
        <FormError problem={form.problem} />
        <button type="submit" disabled={form.busy}>
          {form.busy ? "Creating account…" : "Sign up"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </main>
  )
}

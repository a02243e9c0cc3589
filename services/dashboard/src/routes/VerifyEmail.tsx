import { Exit } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Problems from "../api/Problems.ts"
import { useAtomRun } from "../atom/Hooks.ts"
import { FormError } from "../ui/Form.tsx"
import { Link, useLocation } from "../ui/Router.tsx"

/** `/verify-email?token=…`: where the verification email's link lands; confirms the address at once. */
export const VerifyEmail = () => {
  const { query } = useLocation()
  const token = query.get("token") ?? ""
  const verify = useAtomRun(Api.mutation("auth", "verifyEmail"))
  const [state, setState] = React.useState<"checking" | "verified" | Problems.Problem>("checking")
  React.useEffect(() => {
    let live = true
    void verify({ payload: { token } }).then((exit) => {
      if (live) setState(Exit.isSuccess(exit) ? "verified" : (Problems.fromExit(exit) ?? "checking"))
    })
    return () => {
      live = false
    }
  }, [verify, token])
  return (
    <main className="auth">
      <h1>Email verification</h1>
      {state === "checking" ? (
        <p aria-busy="true">Checking your link…</p>
      ) : state === "verified" ? (
        <p role="status">Your email address is verified.</p>
      ) : (
        <FormError problem={state} />
      )}
      <p>
        <Link to="/">Continue to Starform</Link>
      </p>
    </main>
  )
}

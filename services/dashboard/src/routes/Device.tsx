import { DeviceAuthApi } from "@starform/domain"
import { Exit } from "effect"
import * as React from "react"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { useAtomRun } from "../atom/Hooks.ts"
import { Field, FormError, text, useSubmit } from "../ui/Form.tsx"
import { navigate, useLocation } from "../ui/Router.tsx"
import { Shell } from "../ui/Shell.tsx"
import { when } from "../ui/When.ts"

type Pending = DeviceAuthApi.PendingDevice

/**
 * `/device?user_code=…`: where `starform login` sends a person. It shows what asks to sign in (its name, browser or
 * program, address and until when the code works) before the person approves or refuses it (RFC 8628 §5.4).
 */
export const Device = () => {
  const { query } = useLocation()
  const code = query.get("user_code") ?? ""
  const describe = useAtomRun(Api.mutation("deviceApproval", "describeDevice"))
  const approve = useAtomRun(Api.mutation("deviceApproval", "approveDevice"))
  const deny = useAtomRun(Api.mutation("deviceApproval", "denyDevice"))
  const [pending, setPending] = React.useState<Pending | undefined>(undefined)
  const [decided, setDecided] = React.useState<DeviceAuthApi.DeviceDecision | undefined>(undefined)

  const lookup = useSubmit(async (data) => {
    const payload = Input.decode(DeviceAuthApi.DeviceDecisionRequest, { user_code: text(data, "user_code") })
    if (!payload.ok) return payload.problem
    // The address then carries the code, and the lookup below runs for it (once, as for a link).
    navigate(`/device?user_code=${encodeURIComponent(payload.value.user_code)}`, { replace: true })
    return undefined
  })
  const { setProblem } = lookup

  // A link with the code in it (`verification_uri_complete`) shows what asks at once.
  React.useEffect(() => {
    setPending(undefined)
    setDecided(undefined)
    if (code === "") return
    let live = true
    const payload = Input.decode(DeviceAuthApi.DeviceDecisionRequest, { user_code: code })
    if (!payload.ok) {
      setProblem(payload.problem)
      return
    }
    void describe({ payload: payload.value }).then((exit) => {
      if (!live) return
      if (Exit.isSuccess(exit)) setPending(exit.value)
      else setProblem(Problems.fromExit(exit))
    })
    return () => {
      live = false
    }
  }, [code, describe, setProblem])

  const [busy, setBusy] = React.useState(false)
  const [refused, setRefused] = React.useState<Problems.Problem | undefined>(undefined)
  const decide = (run: typeof approve) => {
    if (busy) return
    setBusy(true)
    void run({ payload: { user_code: DeviceAuthApi.normaliseUserCode(code) } })
      .then((exit) => {
        if (Exit.isSuccess(exit)) setDecided(exit.value)
        setRefused(Problems.fromExit(exit))
      })
      .finally(() => setBusy(false))
  }

  return (
    <Shell>
      <h1>Approve a device</h1>
      {decided !== undefined ? (
        <p role="status">
          {decided.status === "approved"
            ? `Approved: ${decided.clientName ?? "the device"} is signed in as you. You can go back to it now.`
            : `Refused: ${decided.clientName ?? "the device"} will not be signed in.`}
        </p>
      ) : pending !== undefined && code !== "" ? (
        <section aria-labelledby="device-asking">
          <h2 id="device-asking">{pending.clientName ?? "A device"} asks to sign in as you</h2>
          <dl className="facts">
            <dt>Code</dt>
            <dd className="mono">{DeviceAuthApi.displayUserCode(DeviceAuthApi.normaliseUserCode(code))}</dd>
            <dt>Program</dt>
            <dd>{pending.userAgent ?? "unknown"}</dd>
            <dt>Address</dt>
            <dd>{pending.ip ?? "unknown"}</dd>
            <dt>Asked at</dt>
            <dd>{when(pending.createdAt)}</dd>
            <dt>Code works until</dt>
            <dd>{when(pending.expiresAt)}</dd>
          </dl>
          <p>Approve only if you started this sign-in yourself and the code matches the one the device shows.</p>
          <div className="actions">
            <button type="button" onClick={() => decide(approve)} disabled={busy}>
              Approve
            </button>
            <button type="button" className="secondary" onClick={() => decide(deny)} disabled={busy}>
              Deny
            </button>
          </div>
          <FormError problem={refused} />
        </section>
      ) : (
        <form onSubmit={lookup.onSubmit} noValidate className="narrow">
          <Field
            label="Device code"
            name="user_code"
            defaultValue={code}
            autoComplete="off"
            required
            problem={lookup.problem}
            hint="The code your terminal or device shows, e.g. BCDF-GHJK."
          />
          <FormError problem={lookup.problem} />
          <button type="submit" disabled={lookup.busy}>
            {lookup.busy ? "Looking…" : "Continue"}
          </button>
        </form>
      )}
    </Shell>
  )
}

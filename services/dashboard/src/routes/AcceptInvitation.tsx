import { IdentityMeApi } from "@starform/domain"
import { Exit } from "effect"
import { Api } from "../api/Client.ts"
import * as Input from "../api/Input.ts"
import * as Problems from "../api/Problems.ts"
import { membershipsKey } from "../api/Role.ts"
import { useAtomRun } from "../atom/Hooks.ts"
import { FormError, useSubmit } from "../ui/Form.tsx"
import { navigate, useLocation } from "../ui/Router.tsx"
import { Shell, workspacesKey } from "../ui/Shell.tsx"

/**
 * `/invitations/accept?token=…`: where the invitation email's link lands. Signed-out visitors sign in (or sign up)
 * first and come back here; joining is one button, then the workspace opens.
 */
export const AcceptInvitation = () => {
  const token = useLocation().query.get("token") ?? ""
  const accept = useAtomRun(Api.mutation("me", "acceptInvitation"))
  const form = useSubmit(async () => {
    const payload = Input.decode(IdentityMeApi.AcceptInvitationRequest, { token })
    if (!payload.ok) return payload.problem
    const exit = await accept({ payload: payload.value, reactivityKeys: [workspacesKey, membershipsKey] })
    if (Exit.isSuccess(exit)) navigate(`/w/${exit.value.workspaceId}`)
    return Problems.fromExit(exit)
  })
  return (
    <Shell>
      <h1>Join a workspace</h1>
      <p>You were invited to a Starform workspace. The invitation is for the address it was emailed to.</p>
      <form onSubmit={form.onSubmit} noValidate className="narrow">
        <FormError problem={form.problem} />
        <button type="submit" disabled={form.busy}>
          {form.busy ? "Joining…" : "Accept invitation"}
        </button>
      </form>
    </Shell>
  )
}

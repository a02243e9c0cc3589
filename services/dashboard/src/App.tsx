import * as React from "react"
import * as Session from "./api/Session.ts"
import { AcceptInvitation } from "./routes/AcceptInvitation.tsx"
import { Account } from "./routes/Account.tsx"
import { AuditLog } from "./routes/AuditLog.tsx"
import { Device } from "./routes/Device.tsx"
import { NewService } from "./routes/NewService.tsx"
import { ProjectCanvas } from "./routes/ProjectCanvas.tsx"
import { ProjectList } from "./routes/ProjectList.tsx"
import { ResetPassword } from "./routes/ResetPassword.tsx"
import { ServicePage } from "./routes/ServicePage.tsx"
import { SignIn } from "./routes/SignIn.tsx"
import { SignUp } from "./routes/SignUp.tsx"
import { VariablesPage } from "./routes/VariablesEditor.tsx"
import { VerifyEmail } from "./routes/VerifyEmail.tsx"
import { WorkspaceSettings } from "./routes/WorkspaceSettings.tsx"
import { Home, NewWorkspace } from "./routes/Workspaces.tsx"
import { NotFound } from "./ui/Loaded.tsx"
import { match, Redirect, useLocation } from "./ui/Router.tsx"
import { Shell } from "./ui/Shell.tsx"

type Page = (params: Record<string, string>) => React.ReactNode

/** Every page and its address; the first that matches is shown. */
const signedInPages: ReadonlyArray<readonly [string, Page]> = [
  ["/", () => <Home />],
  ["/workspaces/new", () => <NewWorkspace />],
  ["/w/:workspaceId", (p) => <ProjectList workspaceId={p.workspaceId ?? ""} />],
  ["/w/:workspaceId/settings", (p) => <WorkspaceSettings workspaceId={p.workspaceId ?? ""} />],
  ["/w/:workspaceId/audit", (p) => <AuditLog workspaceId={p.workspaceId ?? ""} />],
  ["/account", () => <Account />],
  ["/device", () => <Device />],
  ["/invitations/accept", () => <AcceptInvitation />],
  ["/p/:projectId", (p) => <ProjectCanvas projectId={p.projectId ?? ""} />],
  ["/p/:projectId/services/new", (p) => <NewService projectId={p.projectId ?? ""} />],
  ["/s/:serviceId", (p) => <ServicePage serviceId={p.serviceId ?? ""} />],
  ["/s/:serviceId/variables", (p) => <VariablesPage serviceId={p.serviceId ?? ""} />],
]

const publicPages: ReadonlyArray<readonly [string, Page]> = [
  ["/signin", () => <SignIn />],
  ["/signup", () => <SignUp />],
]

const titles: Record<string, string> = {
  "/signin": "Sign in",
  "/signup": "Sign up",
  "/reset-password": "Reset password",
  "/device": "Approve a device",
  "/account": "Account",
}

export const App = () => {
  const { path, query } = useLocation()
  const signedIn = React.useSyncExternalStore(Session.subscribe, Session.isSignedIn)
  React.useEffect(() => {
    document.title = titles[path] === undefined ? "Starform" : `${titles[path]} · Starform`
  }, [path])
  if (path === "/verify-email") return <VerifyEmail />
  if (path === "/reset-password") return <ResetPassword />
  for (const [pattern, page] of publicPages) {
    const params = match(pattern, path)
    if (params !== undefined) return signedIn ? <Redirect to="/" /> : page(params)
  }
  if (!signedIn) {
    // The whole address comes back after signing in: `/device?user_code=…` keeps its code.
    const back = query.size === 0 ? path : `${path}?${query.toString()}`
    return <Redirect to={path === "/" ? "/signin" : `/signin?next=${encodeURIComponent(back)}`} />
  }
  for (const [pattern, page] of signedInPages) {
    const params = match(pattern, path)
    if (params !== undefined) return page(params)
  }
  return (
    <Shell>
      <NotFound />
    </Shell>
  )
}

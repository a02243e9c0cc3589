// What bootstrap.mjs does when `pnpm install --frozen-lockfile` fails. Pure, so it is tested without pnpm or network
// (test/scripts/install-policy.test.ts).

/** pnpm's words for "pnpm-lock.yaml does not match the manifests". */
const staleLockfile = /lockfile|ERR_PNPM_OUTDATED|NO_IMPORTER/i

/** Whether `CI` says this is a CI run: any value but empty, `0` or `false` (CI services set `CI=true`). */
export const isCi = (env) => {
  const value = (env.CI ?? "").trim().toLowerCase()
  return value !== "" && value !== "0" && value !== "false"
}

/**
 * The next step after a frozen install that exited with `status` and wrote `stderr`:
 * - `fail` with a `message`: not a lockfile mismatch (network, a broken manifest), or a mismatch in CI, where a stale
 *   lockfile must fail the run rather than be resolved afresh and pass;
 * - `resolve` with a `warning`: a mismatch on a developer's machine, installed afresh so work goes on, said loudly.
 */
export const afterFrozenInstall = ({ status, stderr, env }) => {
  if (status === 0) return { kind: "done" }
  if (!staleLockfile.test(stderr ?? "")) {
    return { kind: "fail", message: `starform: pnpm install failed (exit ${status ?? "by a signal"})` }
  }
  if (isCi(env)) {
    return {
      kind: "fail",
      message:
        "starform: pnpm-lock.yaml does not match the manifests, and CI installs only what the lockfile records. " +
        "Run `pnpm install` on your machine and commit pnpm-lock.yaml with the package.json change.",
    }
  }
  return {
    kind: "resolve",
    warning:
      "starform: WARNING pnpm-lock.yaml does not match the manifests; resolving afresh (CI would fail here) — " +
      "commit the updated pnpm-lock.yaml",
  }
}

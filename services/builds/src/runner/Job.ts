import { DesiredState, type Ids } from "@starform/domain"

/**
 * The Kubernetes objects of a build: a Job running Railpack against the cluster's BuildKit, which clones the commit,
 * builds the image with the service's overrides (Railpack's `RAILPACK_BUILD_CMD` / `RAILPACK_START_CMD`), checks its
 * size and pushes it to the platform registry, reporting each step with `Protocol` markers; the clone token in a
 * Secret of its own. And the pre-deploy Job, which runs the pushed image with the pre-deploy command in the
 * service's namespace, with the release's variables in a Secret of its own. Pure.
 */

export const namespace = "starform-builds"
export const component = "starform.io/component"
export const buildLabel = "starform.io/build-id"
export const managedBy = "starform-builds"

export interface RunnerImages {
  /** The Railpack image the build Job runs (it carries git, railpack and buildctl). */
  readonly railpack: string
  /** BuildKit's address, as Railpack reads it from `BUILDKIT_HOST`. */
  readonly buildkitHost: string
}

export const defaultImages: RunnerImages = {
  railpack: "ghcr.io/railwayapp/railpack:0.15.1",
  buildkitHost: "tcp://buildkitd.starform-builds.svc.cluster.local:1234",
}

export interface BuildSpec {
  readonly buildId: string
  readonly workspaceId: string
  readonly projectId: string
  readonly environmentId: string
  readonly serviceId: string
  readonly deploymentId: string
  readonly attempt: number
  readonly repoFullName: string
  readonly commitSha: string
  /** A build of an uploaded folder: the short-lived link to its gzipped tar, fetched instead of cloning. */
  readonly sourceUrl: string | null
  readonly rootDirectory: string
  readonly imageRef: string
  readonly imageSizeLimitBytes: number
  readonly timeoutSeconds: number
  readonly buildCommand: string | null
  readonly startCommand: string | null
}

/** `bld_0a1b…` → `build-bld-0a1b…-1`: a DNS label naming the attempt's Job and Secret. */
export const jobName = (buildId: string, attempt: number): string => `build-${buildId.replace(/_/g, "-")}-${attempt}`

export const predeployJobName = (buildId: string): string => `predeploy-${buildId.replace(/_/g, "-")}`

const labels = (spec: BuildSpec, kind: "build" | "predeploy") => ({
  "app.kubernetes.io/managed-by": managedBy,
  [component]: kind,
  [buildLabel]: spec.buildId,
  "starform.io/workspace-id": spec.workspaceId,
  "starform.io/project-id": spec.projectId,
  "starform.io/service-id": spec.serviceId,
  "starform.io/deployment-id": spec.deploymentId,
})

/**
 * The runner's script. Each step reports a phase marker; a failure reports the fault it is (a network error while
 * cloning is ours to retry, a missing repository is the user's) and exits non-zero.
 */
export const script = [
  "set -u",
  'mark() { echo "::starform $*"; }',
  'fail() { mark "fault=$1 $2"; exit "$3"; }',
  "mark phase=cloning",
  'mkdir -p /workspace && cd /workspace || fail clone-network "cannot create the workspace" 10',
  // an uploaded folder: fetched and unpacked, with the clone's failure classification (gone: the user's; else ours)
  'if [ -n "$(printenv STARFORM_SOURCE_URL)" ]; then ' +
    'code=$(curl -sS -o /tmp/source.tar.gz -w "%{http_code}" "$STARFORM_SOURCE_URL" 2>/tmp/fetch.err); ' +
    'if [ "$code" = 404 ] || [ "$code" = 403 ]; then fail source-unavailable "the uploaded folder is no longer available ($code)" 11; fi; ' +
    'if [ "$code" != 200 ]; then fail clone-network "fetching the uploaded folder: $code $(tail -n 1 /tmp/fetch.err)" 10; fi; ' +
    'tar -xzf /tmp/source.tar.gz -C /workspace || fail source-unavailable "the uploaded folder is not a gzipped tar" 11; ' +
    'else git init -q /workspace || fail clone-network "cannot create the workspace" 10; ' +
    // the token goes in a header, never in the URL, so no error message or log line can carry it
    'auth="Authorization: Basic $(printf "x-access-token:%s" "$GIT_TOKEN" | base64 | tr -d "\\n")"; ' +
    'git -c http.extraHeader="$auth" fetch -q --depth 1 "https://github.com/$STARFORM_REPO.git" "$STARFORM_COMMIT" 2>/tmp/git.err ' +
    '|| { if grep -qiE "not found|repository .* does not exist|couldn.t find remote ref|not our ref" /tmp/git.err; ' +
    'then fail source-unavailable "$STARFORM_REPO@$STARFORM_COMMIT was not found" 11; ' +
    'else fail clone-network "$(tail -n 1 /tmp/git.err)" 10; fi; }; ' +
    "git checkout -q FETCH_HEAD; fi",
  'cd "/workspace$STARFORM_ROOT" 2>/dev/null || fail source-unavailable "the root directory $STARFORM_ROOT does not exist at this commit" 11',
  "mark phase=building",
  "railpack prepare . --plan-out /tmp/plan.json --info-out /tmp/info.json >/tmp/prepare.log 2>&1 " +
    '|| { cat /tmp/prepare.log; fail no-plan "$(tail -n 1 /tmp/prepare.log)" 12; }',
  'railpack build . --name "$STARFORM_IMAGE" --progress plain --output type=oci,dest=/tmp/image.tar 2>&1 | tee /tmp/build.log; ' +
    "code=$?; if [ $code -ne 0 ]; then " +
    'if [ -f Dockerfile ] && grep -qiE "dockerfile parse error|unknown instruction|failed to solve" /tmp/build.log; ' +
    'then fail dockerfile "$(grep -iE "error" /tmp/build.log | tail -n 1)" 13; ' +
    'else fail build-command "exit=$code the build step failed" 14; fi; fi',
  'size=$(stat -c %s /tmp/image.tar); if [ "$size" -gt "$STARFORM_IMAGE_SIZE_LIMIT" ]; then ' +
    'mark "fault=image-too-large size=$size limit=$STARFORM_IMAGE_SIZE_LIMIT the image is too large"; exit 16; fi',
  "mark phase=pushing",
  'crane push /tmp/image.tar "$STARFORM_IMAGE" --image-refs /tmp/digest >/tmp/push.log 2>&1 ' +
    '|| fail registry "$(tail -n 1 /tmp/push.log)" 15',
  'mark "pushed digest=$(cut -d@ -f2 /tmp/digest) size=$size"',
].join("\n")

/** The Secret carrying the clone token to the build Job (deleted with the Job). */
export const tokenSecret = (spec: BuildSpec, token: string) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: jobName(spec.buildId, spec.attempt), namespace, labels: labels(spec, "build") },
  type: "Opaque",
  data: { token: Buffer.from(token, "utf8").toString("base64") },
})

export const buildJob = (spec: BuildSpec, images: RunnerImages = defaultImages) => {
  const name = jobName(spec.buildId, spec.attempt)
  const env: Array<Record<string, unknown>> = [
    { name: "BUILDKIT_HOST", value: images.buildkitHost },
    { name: "STARFORM_REPO", value: spec.repoFullName },
    { name: "STARFORM_COMMIT", value: spec.commitSha },
    ...(spec.sourceUrl === null ? [] : [{ name: "STARFORM_SOURCE_URL", value: spec.sourceUrl }]),
    { name: "STARFORM_ROOT", value: spec.rootDirectory === "/" ? "" : spec.rootDirectory.replace(/\/+$/, "") },
    { name: "STARFORM_IMAGE", value: spec.imageRef },
    { name: "STARFORM_IMAGE_SIZE_LIMIT", value: String(spec.imageSizeLimitBytes) },
    { name: "GIT_TOKEN", valueFrom: { secretKeyRef: { name, key: "token" } } },
  ]
  if (spec.buildCommand !== null) env.push({ name: "RAILPACK_BUILD_CMD", value: spec.buildCommand })
  if (spec.startCommand !== null) env.push({ name: "RAILPACK_START_CMD", value: spec.startCommand })
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace, labels: labels(spec, "build") },
    spec: {
      // retrying is Starform's decision (infrastructure faults only), never the Job controller's
      backoffLimit: 0,
      // a backstop: the builds service times the build out itself, with a reason
      activeDeadlineSeconds: spec.timeoutSeconds + 60,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: labels(spec, "build") },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          containers: [
            {
              name: "railpack",
              image: images.railpack,
              command: ["/bin/sh", "-c", script],
              env,
              resources: {
                requests: { cpu: "1", memory: "2Gi" },
                limits: { cpu: "4", memory: "8Gi" },
              },
            },
          ],
        },
      },
    },
  }
}

export interface PredeploySpec extends BuildSpec {
  readonly command: string
  readonly imageDigest: string | null
}

/**
 * The pre-deploy Job's variables: exactly the release's (its snapshot's), in a Secret of the Job's own — the
 * service's `<service>-env` is written only once a release rolls out, so on a first release or after a variables
 * change it would hold none or the previous release's. Owned by the Job once it exists (`owner`), so it goes with it.
 */
export const predeployEnvSecret = (
  spec: PredeploySpec,
  variables: Readonly<Record<string, string>>,
  owner?: { readonly uid: string },
) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: predeployJobName(spec.buildId),
    namespace: DesiredState.namespaceOf(spec.environmentId as Ids.EnvironmentId),
    labels: labels(spec, "predeploy"),
    ...(owner === undefined
      ? {}
      : {
          ownerReferences: [
            { apiVersion: "batch/v1", kind: "Job", name: predeployJobName(spec.buildId), uid: owner.uid },
          ],
        }),
  },
  type: "Opaque",
  data: Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")]),
  ),
})

/** The pre-deploy Job: the new image with the pre-deploy command, in the service's namespace with the release's variables. */
export const predeployJob = (spec: PredeploySpec) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    name: predeployJobName(spec.buildId),
    namespace: DesiredState.namespaceOf(spec.environmentId as Ids.EnvironmentId),
    labels: labels(spec, "predeploy"),
  },
  spec: {
    backoffLimit: 0,
    activeDeadlineSeconds: spec.timeoutSeconds,
    ttlSecondsAfterFinished: 3600,
    template: {
      metadata: { labels: labels(spec, "predeploy") },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "predeploy",
            image: DesiredState.imageOf(spec.imageRef, spec.imageDigest),
            command: ["/bin/sh", "-c", spec.command],
            envFrom: [{ secretRef: { name: predeployJobName(spec.buildId) } }],
          },
        ],
      },
    },
  },
})

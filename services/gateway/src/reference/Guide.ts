/**
 * The reference page's guide: what holds across operations (errors, pagination, rate limits, idempotency, variable
 * references), written once here rather than repeated on every operation. Each statement is what the code does:
 * the defaults and budgets named are those of `ratelimit/Budgets.ts`, the projects service's `References.ts` and the
 * list handlers.
 */

export const guide = `
<section id="guide">
<h2 id="errors">Errors</h2>
<p>Every error answers JSON <code>{ "code", "message" }</code>: <code>code</code> is stable and machine-readable
(<code>validation_failed</code>, <code>unauthenticated</code>, <code>forbidden</code>, <code>not_found</code>,
<code>conflict</code>, <code>rate_limited</code>, <code>internal</code>), <code>message</code> a sentence a person can
act on. A <code>400</code> also names the <code>field</code> and the <code>rule</code> it broke, and lists every failing
field in <code>errors</code> when there are several. A malformed id in a path (e.g. <code>/v1/projects/nope</code>)
answers <code>400</code>; a well-formed id of something that does not exist, or that belongs to another workspace,
answers <code>404</code>, worded the same in both cases.</p>

<h2 id="authentication">Authentication</h2>
<p>Send <code>Authorization: Bearer &lt;token&gt;</code>: an access token from <code>POST /v1/auth/login</code> (valid
15 minutes; renew it with <code>POST /v1/auth/refresh</code>) or an API token (<code>sf_…</code>) created under a
workspace. An API token acts only within its workspace (or project) and only with its scopes.</p>

<h2 id="pagination">Pagination</h2>
<ul>
<li><b>Cursor</b> (the audit log): answers <code>{ entries, nextCursor }</code>, newest first. Pass
<code>nextCursor</code> back as <code>?cursor=</code> for the next page; <code>null</code> means this was the last page.
<code>limit</code> is 1–200 (default 50). Filters must stay the same from page to page.</li>
<li><b>Newest N</b> (deployments of a service): <code>?limit=</code> 1–100 (default 20), newest first.</li>
<li><b>Offset by line</b> (build logs): <code>?after=</code> the last line number you have (default 0) and
<code>limit</code> 1–5000 (default 1000); <code>complete: true</code> says no more lines will come. The
<code>/stream</code> variant sends the same lines as Server-Sent Events as they are written.</li>
<li>Everything else answers the whole (bounded) list: a workspace's projects, a project's environments, an
environment's services, and so on.</li>
</ul>

<h2 id="rate-limits">Rate limits</h2>
<p>Each authenticated caller (a person, an API token, a service account) has a request budget, refilled continuously:
by default 100 requests per minute for the API, 10 per minute for deploys and 10 per minute for sign-in attempts
(per client address and per email). Every answer of a rate-limited operation carries the <code>RateLimit-Limit</code>,
<code>RateLimit-Remaining</code>, <code>RateLimit-Reset</code> (seconds until full) and <code>RateLimit-Policy</code>
(<code>&lt;requests&gt;;w=&lt;window seconds&gt;</code>) headers. Over the budget the answer is <code>429</code>
with <code>Retry-After</code> (seconds) and <code>retryAfterSeconds</code> in the body: wait that long, then retry.
Nothing was done by a request that answered 429.</p>

<h2 id="idempotency">Idempotency and retries</h2>
<ul>
<li><code>GET</code> never changes anything. <code>PUT</code> and <code>PATCH</code> set the fields they name to the
values given: sending the same request twice leaves the same state. <code>DELETE</code> answers <code>204</code> the first
time and <code>404</code> after, with nothing else changed: a retried delete is safe.</li>
<li><code>POST</code> that creates a named thing (a project, an environment, a service, a var group) is safe to retry:
names are unique in their scope, so a second identical request answers <code>409</code> and creates nothing; list, or
get by name, to find the first one's id.</li>
<li><code>POST</code> that starts work (a deployment, a redeploy, a rollback, an API token) does it again when sent
again: there is no idempotency key. After a network failure, list the deployments (or tokens) before retrying.</li>
<li>A <code>4xx</code> answer changed nothing; a <code>429</code> or <code>503</code> can be retried as is.</li>
</ul>

<h2 id="variables">Variables and references</h2>
<p>A value can refer to another variable with <code>\${{ namespace.KEY }}</code>; references are substituted when a
deployment is made, so a deployment runs with the values of that moment.</p>
<ul>
<li><code>\${{ api.DATABASE_URL }}</code>: variable <code>DATABASE_URL</code> of the service named <code>api</code> in
the same environment, itself fully resolved. E.g. <code>DATABASE_URL=postgres://\${{ db.USER }}@\${{ db.HOST }}/app</code>.</li>
<li><code>\${{ shared.REGION }}</code>: the value the var groups linked to the referring service give
<code>REGION</code> (a later-linked group wins; an environment's override wins over the group's default), even where
the service sets <code>REGION</code> itself. <code>shared</code> is therefore not a valid service name.</li>
<li>Which value a service sees, weakest first: each linked var group's default, that group's override for the
environment, and the service's own variable.</li>
<li>A write that would leave a service unable to resolve its variables is refused with <code>400</code>, rule
<code>reference</code>, and the chain that fails: a cycle (<code>references form a cycle: api.A → worker.B →
api.A</code>), a variable that refers to itself, an unknown service or an unset variable.</li>
<li>Values are write-only: reads show them masked; <code>…/reveal</code> shows one (it needs the
<code>variable.reveal</code> permission and is written to the audit log).</li>
</ul>

<h2 id="terms">Terms</h2>
<p>Starform is proprietary: all rights reserved by the Starform project. No license to the software is granted by this
document; using this API is governed by your agreement with whoever operates the Starbase you call.</p>
</section>
`

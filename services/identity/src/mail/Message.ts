/**
 * An outbox row as the message that goes out: the stored plain text, an HTML rendering of the same words (the link
 * as a button), and a Message-ID that stays the same on every try, so a copy delivered twice is recognisable.
 */

/** What the sender reads of a claimed outbox row. */
export interface OutboxMessage {
  readonly id: string
  readonly toAddress: string
  readonly template: string
  readonly subject: string
  readonly body: string
  readonly link: string | null
  readonly messageId: string
  /** This try's number, from 1. */
  readonly attempts: number
}

export interface Composed {
  readonly id: string
  readonly template: string
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly text: string
  readonly html: string
  readonly messageId: string
  readonly link: string | null
}

/** The domain of a `From` such as `Starform <no-reply@example.com>`, for Message-IDs. */
export const domainOf = (from: string): string => {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from
  const at = address.lastIndexOf("@")
  const domain = at < 0 ? "" : address.slice(at + 1).trim()
  return /^[A-Za-z0-9.-]+$/.test(domain) ? domain : "starform.localhost"
}

/** The Message-ID of an outbox row: its id (unique) at the sender's domain. */
export const messageIdOf = (id: string, from: string) => `<${id}@${domainOf(from)}>`

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

const urlPattern = /https?:\/\/[^\s<>"]+/g

/** A paragraph of plain text as HTML: escaped, line breaks kept, URLs made links. */
const paragraph = (text: string) => {
  let html = ""
  let at = 0
  for (const match of text.matchAll(urlPattern)) {
    html += escapeHtml(text.slice(at, match.index))
    html += `<a href="${escapeHtml(match[0])}">${escapeHtml(match[0])}</a>`
    at = match.index + match[0].length
  }
  return (html + escapeHtml(text.slice(at))).replace(/\n/g, "<br>\n")
}

const button = (link: string) =>
  `<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 18px;background:#4f46e5;color:#ffffff;border-radius:6px;text-decoration:none;font-weight:600">Open the link</a></p>\n<p style="color:#6b7280;font-size:13px">Or copy this address into your browser: ${escapeHtml(link)}</p>`

/** The HTML body: the text's paragraphs, the email's own link as a button (with the address spelled out). */
export const renderHtml = (subject: string, text: string, link: string | null): string => {
  const body = text
    .split(/\n{2,}/)
    .map((part) => (link !== null && part.trim() === link ? button(link) : `<p>${paragraph(part)}</p>`))
    .join("\n")
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#111827;max-width:560px;margin:24px auto;padding:0 16px">
${body}
<p style="color:#6b7280;font-size:12px">Starform</p>
</body></html>
`
}

export const compose = (row: OutboxMessage, from: string): Composed => ({
  id: row.id,
  template: row.template,
  from,
  to: row.toAddress,
  subject: row.subject,
  text: row.body,
  html: renderHtml(row.subject, row.body, row.link),
  messageId: row.messageId,
  link: row.link,
})

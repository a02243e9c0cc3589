import { describe, expect, it } from "@effect/vitest"
import { Mail } from "@starform/identity"
import { Duration } from "effect"
import * as Emails from "../src/Emails.ts"
import { compose, domainOf, renderHtml } from "../src/mail/Message.ts"
import { retryIn } from "../src/mail/Sender.ts"

describe("what the sender sends", () => {
  it("the HTML body says what the text says, the email's link as a button, everything escaped", () => {
    const email = Emails.invitation("https://app.example.com/", "a&b", "<Acme & Co>", "developer")
    const html = renderHtml(email.subject, email.body, email.link)
    expect(email.link).toBe("https://app.example.com/invitations/accept?token=a%26b")
    expect(html).toContain('<a href="https://app.example.com/invitations/accept?token=a%26b"')
    expect(html).toContain("&quot;&lt;Acme &amp; Co&gt;&quot;")
    expect(html).not.toContain("<Acme")
    expect(html).toContain("<title>You are invited to &lt;Acme &amp; Co&gt; on Starform</title>")
  })

  it("an email without a link is paragraphs of text, URLs in it made links", () => {
    const html = renderHtml("s", "one\nline two\n\nsee https://example.com/x?a=1&b=2 now", null)
    expect(html).toContain("<p>one<br>\nline two</p>")
    expect(html).toContain('<a href="https://example.com/x?a=1&amp;b=2">https://example.com/x?a=1&amp;b=2</a> now')
  })

  it("the Message-ID is the row's id at the sender's domain, whatever the try", () => {
    expect(domainOf("Starform <no-reply@mail.example.com>")).toBe("mail.example.com")
    expect(domainOf("bare@example.org")).toBe("example.org")
    expect(domainOf("nonsense")).toBe("starform.localhost")
    const row = {
      id: "eml_000000000000000000000001",
      toAddress: "ada@example.com",
      template: "password_changed",
      subject: "s",
      body: "b",
      link: null,
      messageId: "<eml_000000000000000000000001@example.com>",
      attempts: 4,
    }
    expect(compose(row, "x@example.com").messageId).toBe(row.messageId)
  })

  it("retries double from the first pause up to the longest, and stop after the last allowed try", () => {
    const settings = { maxAttempts: 5, firstRetry: Duration.seconds(30), longestRetry: Duration.minutes(2) }
    expect([1, 2, 3, 4, 5].map((n) => Duration.toSeconds(retryIn(n, settings) ?? Duration.zero))).toEqual([
      30, 60, 120, 120, 0,
    ])
    expect(retryIn(5, settings)).toBeUndefined()
    expect(retryIn(Mail.defaults.maxAttempts, Mail.defaults)).toBeUndefined()
    expect(retryIn(1, Mail.defaults)).toEqual(Mail.defaults.firstRetry)
  })
})

/**
 * The emails the identity service sends, as plain text (the sender adds an HTML rendering of the same words). Each
 * link carries a single-use token; the outbox row is the only place it exists in the clear, until the sender mails
 * it and replaces it there (`mail/Claims.ts`).
 */
export interface Email {
  readonly template: string
  readonly subject: string
  readonly body: string
  /** The one link the email is about, if any: the HTML button, and the line `npm start` prints without SMTP. */
  readonly link: string | null
}

const link = (publicUrl: string, path: string, token: string) =>
  `${publicUrl.replace(/\/$/, "")}${path}?token=${encodeURIComponent(token)}`

export const verifyEmail = (publicUrl: string, token: string): Email => {
  const url = link(publicUrl, "/verify-email", token)
  return {
    template: "verify_email",
    subject: "Confirm your email address for Starform",
    body: `Confirm your email address by opening this link within 48 hours:\n\n${url}\n\nIf you did not sign up for Starform, ignore this email.`,
    link: url,
  }
}

export const resetPassword = (publicUrl: string, token: string): Email => {
  const url = link(publicUrl, "/reset-password", token)
  return {
    template: "reset_password",
    subject: "Reset your Starform password",
    body: `Someone asked to reset the password of your Starform account. Choose a new one within an hour:\n\n${url}\n\nThe link works once. If it was not you, ignore this email: your password is unchanged.`,
    link: url,
  }
}

export const invitation = (publicUrl: string, token: string, workspaceName: string, role: string): Email => {
  const url = link(publicUrl, "/invitations/accept", token)
  return {
    template: "invitation",
    subject: `You are invited to ${workspaceName} on Starform`,
    body: `You have been invited to join the workspace "${workspaceName}" as ${role}. Accept within 7 days:\n\n${url}`,
    link: url,
  }
}

export const mfaEnabled = (): Email => ({
  template: "mfa_enabled",
  subject: "Two-factor sign-in is on for your Starform account",
  body: "Two-factor sign-in was turned on for your account. If it was not you, reset your password at once.",
  link: null,
})

export const passwordChanged = (): Email => ({
  template: "password_changed",
  subject: "Your Starform password was changed",
  body: "The password of your Starform account was changed and every session was signed out. If it was not you, reset your password at once.",
  link: null,
})

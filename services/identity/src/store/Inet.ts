/** An `inet` value from what a client reported: a valid IP address or nothing. */
export const inet = (ip: string | null): string | null => {
  if (ip === null) return null
  const bare = ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip
  return /^[0-9a-fA-F:.]+$/.test(bare) && bare.length <= 45 ? bare : null
}

/** The CLI's version, as `--version` prints it and `User-Agent: starform-cli/<version>` sends it. */
export const version = "0.1.0"

/** A bad request to the sandbox's admin API or options: answered with HTTP 400 and this message. */
export class SandboxInputError extends Error {
  override name = 'SandboxInputError';
}

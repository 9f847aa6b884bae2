/** Errors of the Express integration, each with a stable code. */
export class TurnpikeExpressError extends Error {
  constructor(
    readonly code: 'authz_unavailable' | 'authz_answer_invalid' | 'upstream_unavailable' | 'options_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'TurnpikeExpressError';
  }
}

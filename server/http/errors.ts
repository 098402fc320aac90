// One error type for every REST failure: the error middleware turns it into
// `{error, message}` with its status. Anything else becomes a logged 500.
import type { ZodType } from 'zod';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a body with a zod schema or throws 400 BAD_REQUEST naming the first problem. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.join('.') || 'body';
  throw new HttpError(400, 'BAD_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`);
}

import type { z } from 'zod';

/** A short, safe description of the first few zod issues ("payment.requests.0.network: …"). */
export function describeZodError(error: z.ZodError, max = 3): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

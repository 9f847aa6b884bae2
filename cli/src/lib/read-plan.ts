import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';
import { sweepPlanSchema, type SweepPlan } from './sweep-plan-schema.js';

/** Reads and validates a sweep plan file (every field checked; unknown fields refused). */
export async function readPlan(file: string): Promise<SweepPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError('plan_invalid', `${file} is not JSON`);
  }
  const parsed = sweepPlanSchema.safeParse(json);
  if (!parsed.success)
    throw new InputError(
      'plan_invalid',
      `${file} is not a sweep plan: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      { hint: 'make it with `turnpike sweep plan`' },
    );
  return parsed.data;
}

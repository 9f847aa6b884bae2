import { REASONS } from '@turnpike/protocol';
import { PortalError } from '../errors.js';

/** One schema problem of a site definition: where, and what is wrong. */
export interface SiteIssue {
  path: string;
  message: string;
}

/** A site definition that fails its schema: every problem at once (400 `site_invalid`). */
export class SiteInvalidError extends PortalError {
  readonly issues: readonly SiteIssue[];
  constructor(issues: readonly SiteIssue[]) {
    super(REASONS.SITE_INVALID, 400, issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'SiteInvalidError';
    this.issues = issues;
  }
}

/** Issues of a zod error, as a flat list with dotted paths. */
export function issuesOf(error: {
  issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>;
}): SiteIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

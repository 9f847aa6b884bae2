import { normalizePath, type SettleRequest } from '@turnpike/protocol';

/** True when the invoice was made for the host and resource this settle request is about. */
export function sameTarget(
  invoice: { host: string; resource: string },
  request: Pick<SettleRequest, 'host' | 'resource'>,
): boolean {
  let resource: string;
  try {
    resource = normalizePath(request.resource).path;
  } catch {
    return false;
  }
  return invoice.host.toLowerCase() === request.host.toLowerCase() && invoice.resource === resource;
}

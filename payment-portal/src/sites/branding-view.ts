import type { Site } from '@turnpike/protocol';
import type { PayPageView } from '../pay-page/view.js';

/** What the pay page shows of a site's branding (name, logo, colours); undefined when it has none. */
export function brandingView(branding: Site['branding'] | undefined): PayPageView['branding'] {
  if (branding === undefined) return undefined;
  const view: NonNullable<PayPageView['branding']> = {
    ...(branding.name === undefined ? {} : { name: branding.name }),
    ...(branding.logoUrl === undefined ? {} : { logoUrl: branding.logoUrl }),
    ...(branding.colors?.accent === undefined ? {} : { accent: branding.colors.accent }),
    ...(branding.colors?.background === undefined ? {} : { background: branding.colors.background }),
  };
  return Object.keys(view).length === 0 ? undefined : view;
}

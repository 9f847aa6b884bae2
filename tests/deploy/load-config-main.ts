/**
 * Loads a service's configuration as its pod would (this process's environment is the pod's and
 * nothing else) and prints the fields the deploy tests compare, as JSON. Run in a child process: a
 * plain Node process like the pod's, outside Jest's module sandbox and the test runner's own
 * environment.
 * Usage: node --import tsx --conditions=source load-config-main.ts authz|portal <file>
 */
import { loadAuthzConfig } from '../../authz-service/src/config/index.js';
import { loadPortalConfig } from '../../payment-portal/src/config/load-portal-config.js';

const [service, file] = process.argv.slice(2);
if (service === 'authz') {
  const { config } = await loadAuthzConfig({ file });
  process.stdout.write(
    JSON.stringify({
      listeners: {
        host: config.listeners.host,
        httpPort: config.listeners.httpPort,
        grpcPort: config.listeners.grpcPort,
      },
      jwksUrl: 'url' in config.jwks ? config.jwks.url : undefined,
      portalInternalUrl: config.portal.internalUrl,
      portalToken: config.portal.token.reveal(),
    }),
  );
} else if (service === 'portal') {
  const config = await loadPortalConfig({ file });
  process.stdout.write(
    JSON.stringify({
      listeners: { public: config.listeners.public, internal: config.listeners.internal },
      internalToken: config.listeners.internalToken.reveal(),
      publicPathPrefix: config.publicPathPrefix,
    }),
  );
} else {
  throw new Error(`unknown service ${String(service)}`);
}

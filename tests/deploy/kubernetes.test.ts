/**
 * deploy/kubernetes: every overlay rendered by the real `kubectl kustomize`, every object checked
 * against the Kubernetes / Istio / Traefik schemas, and the wiring held to what the services and
 * integrations/ actually do: ports and addresses as each pod's own config loader resolves them,
 * probes on the real health paths, the internal API reachable from the authorizer only, and the
 * gateway objects equal to the shipped integration files. No cluster runs here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { IDENTITY_HEADERS } from '../../authz-service/src/core/identity-headers.js';
import { gatewayBinary } from '../support/gateways.js';
import {
  KUBERNETES_DIR,
  kubectlVersion,
  one,
  render,
  REPO_DIR,
  schemaProblems,
  type K8sObject,
} from './kustomize.js';
import {
  containerPort,
  deploymentSpec,
  effectiveAuthzConfig,
  effectivePortalConfig,
  type AuthzSummary,
  type Container,
  type DeploymentSpec,
  type PortalSummary,
} from './workloads.js';

const OVERLAYS = ['nginx-ingress', 'traefik', 'istio'] as const;
const NAMESPACE = 'turnpike';
const AUTHZ = 'turnpike-authz';
const PORTAL = 'turnpike-portal';
const PORTAL_INTERNAL = 'turnpike-portal-internal';

type Json = Record<string, unknown>;
interface ServicePort {
  name: string;
  port: number;
  targetPort: string | number;
  appProtocol?: string;
}
interface ServiceSpec {
  selector: Record<string, string>;
  ports: ServicePort[];
}

const readRepo = (rel: string): string => readFileSync(path.join(REPO_DIR, rel), 'utf8');
const serviceSpec = (objects: K8sObject[], name: string): ServiceSpec =>
  one(objects, 'Service', name).spec as ServiceSpec;
const servicePort = (svc: ServiceSpec, name: string): ServicePort => {
  const p = svc.ports.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no service port ${name}`);
  return p;
};
const mainContainer = (d: DeploymentSpec): Container => {
  expect(d.template.spec.containers).toHaveLength(1);
  return d.template.spec.containers[0]!;
};
/** Directive lines of an NGINX file: no comments, no blank lines, whitespace collapsed. */
const directives = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '');

const rendered = new Map<string, K8sObject[]>();
const renderedOf = (dir: string): K8sObject[] => {
  const objects = rendered.get(dir);
  if (objects === undefined) throw new Error(`${dir} was not rendered`);
  return objects;
};

beforeAll(() => {
  for (const dir of ['base', ...OVERLAYS.map((o) => `overlays/${o}`)]) rendered.set(dir, render(dir));
});

test('kubectl is installed (scripts/test-deps installs it; nothing here is skipped without it)', () => {
  expect(kubectlVersion()).toMatch(/Client Version/);
});

describe.each(['base', ...OVERLAYS.map((o) => `overlays/${o}`)])('%s', (dir) => {
  test('every rendered object validates against its schema', () => {
    const objects = renderedOf(dir);
    expect(objects.length).toBeGreaterThan(10);
    const problems = objects.flatMap((o) =>
      schemaProblems(o).map((p) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  test('holds the whole base: both workloads with their Services, PDBs and NetworkPolicies', () => {
    const objects = renderedOf(dir);
    for (const name of [AUTHZ, PORTAL]) {
      for (const kind of ['Deployment', 'PodDisruptionBudget', 'NetworkPolicy'])
        expect(one(objects, kind, name).metadata.namespace).toBe(NAMESPACE);
    }
    for (const name of [AUTHZ, PORTAL, PORTAL_INTERNAL])
      expect(one(objects, 'Service', name).metadata.namespace).toBe(NAMESPACE);
  });
});

describe('base', () => {
  const objects = (): K8sObject[] => renderedOf('base');
  // Each service's configuration as its pod loads it (a child Node process each: load once).
  let authzLoaded: AuthzSummary | undefined;
  let portalLoaded: PortalSummary | undefined;
  const authzConfig = (): AuthzSummary => {
    const d = deploymentSpec(objects(), AUTHZ);
    authzLoaded ??= effectiveAuthzConfig(objects(), d.template.spec, mainContainer(d));
    return authzLoaded;
  };
  const portalConfig = (): PortalSummary => {
    const d = deploymentSpec(objects(), PORTAL);
    portalLoaded ??= effectivePortalConfig(objects(), d.template.spec, mainContainer(d));
    return portalLoaded;
  };

  test('the ConfigMaps carry copies of the two config.example.yaml, unchanged', () => {
    // Kustomize reads nothing outside its folder, so the base holds copies: when this fails, copy
    // the example again (cp authz-service/config.example.yaml deploy/kubernetes/base/config/authz.yaml).
    expect(readRepo('deploy/kubernetes/base/config/authz.yaml')).toBe(
      readRepo('authz-service/config.example.yaml'),
    );
    expect(readRepo('deploy/kubernetes/base/config/portal.yaml')).toBe(
      readRepo('payment-portal/config.example.yaml'),
    );
  });

  test('each pod runs its service bin with the mounted config, non-root, read-only, no privileges', () => {
    const expected = { [AUTHZ]: 'authz-service', [PORTAL]: 'payment-portal' };
    for (const [name, bin] of Object.entries(expected)) {
      const d = deploymentSpec(objects(), name);
      const pod = d.template.spec;
      expect(d.replicas).toBeGreaterThanOrEqual(2);
      expect(d.selector.matchLabels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': name }));
      expect(d.template.metadata.labels).toEqual(expect.objectContaining(d.selector.matchLabels));
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).not.toBe(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      const c = mainContainer(d);
      expect(c.command.slice(0, 2)).toEqual([bin, '--config']);
      for (const x of [c, ...(pod.initContainers ?? [])]) {
        expect(x.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(x.resources?.requests?.memory).toBeDefined();
        expect(x.resources?.limits?.memory).toBeDefined();
        // Secrets are references, never values in the manifests.
        for (const e of x.env ?? []) expect(e.valueFrom?.secretKeyRef).toBeDefined();
      }
    }
  });

  test('probes use the real health endpoints on the port each service listens on', () => {
    const authz = deploymentSpec(objects(), AUTHZ);
    const portal = deploymentSpec(objects(), PORTAL);
    const cases: Array<[Container, number]> = [
      [mainContainer(authz), authzConfig().listeners.httpPort],
      // /healthz, /readyz and /metrics are at the root of the portal's public listener.
      [mainContainer(portal), portalConfig().listeners.public.port],
    ];
    for (const [c, listenPort] of cases) {
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      for (const probe of [c.readinessProbe, c.livenessProbe])
        expect(containerPort(c, String(probe?.httpGet?.port))).toBe(listenPort);
    }
  });

  test('ports and addresses agree: config listeners, container ports, Services, the authorizer’s URLs', () => {
    const authz = deploymentSpec(objects(), AUTHZ);
    const portal = deploymentSpec(objects(), PORTAL);
    const authzC = mainContainer(authz);
    const portalC = mainContainer(portal);
    const a = authzConfig();
    const p = portalConfig();

    expect(a.listeners.host).toBe('0.0.0.0');
    expect(containerPort(authzC, 'http')).toBe(a.listeners.httpPort);
    expect(containerPort(authzC, 'grpc')).toBe(a.listeners.grpcPort);
    expect(p.listeners.public.host).toBe('0.0.0.0');
    expect(containerPort(portalC, 'http')).toBe(p.listeners.public.port);
    // The internal API must listen beyond loopback for the authorizer's pods to reach it.
    expect(p.listeners.internal.host).toBe('0.0.0.0');
    expect(containerPort(portalC, 'internal')).toBe(p.listeners.internal.port);

    const authzSvc = serviceSpec(objects(), AUTHZ);
    expect(authzSvc.selector).toEqual(authz.selector.matchLabels);
    expect(servicePort(authzSvc, 'http').targetPort).toBe('http');
    expect(servicePort(authzSvc, 'grpc')).toEqual(
      expect.objectContaining({ targetPort: 'grpc', appProtocol: 'grpc' }),
    );
    const portalSvc = serviceSpec(objects(), PORTAL);
    expect(portalSvc.selector).toEqual(portal.selector.matchLabels);
    // The public Service never exposes the internal API.
    expect(portalSvc.ports.map((x) => x.targetPort)).toEqual(['http']);
    const internalSvc = serviceSpec(objects(), PORTAL_INTERNAL);
    expect(internalSvc.selector).toEqual(portal.selector.matchLabels);
    expect(internalSvc.ports.map((x) => x.targetPort)).toEqual(['internal']);

    // The authorizer reaches the portal's internal API and JWKS through those Services.
    const internalUrl = new URL(a.portalInternalUrl);
    expect(internalUrl.hostname).toBe(PORTAL_INTERNAL);
    expect(Number(internalUrl.port)).toBe(internalSvc.ports[0]!.port);
    const jwks = new URL(a.jwksUrl ?? 'file:'); // the JWKS fetched from the portal, not a file
    expect(jwks.hostname).toBe(PORTAL);
    expect(Number(jwks.port)).toBe(servicePort(portalSvc, 'http').port);
    expect(jwks.pathname).toBe(`${p.publicPathPrefix}/.well-known/jwks.json`);
    // One shared internal token (a stand-in from the same Secret reference on both sides).
    expect(a.portalToken).toBe(p.internalToken);
  });

  test('NetworkPolicy: the portal’s internal port admits the authorizer’s pods only', () => {
    const authz = deploymentSpec(objects(), AUTHZ);
    const portal = deploymentSpec(objects(), PORTAL);
    const policy = one(objects(), 'NetworkPolicy', PORTAL).spec as {
      podSelector: { matchLabels: Record<string, string> };
      policyTypes: string[];
      ingress: Array<{
        from?: Array<{ podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown }>;
        ports?: Array<{ port: string | number }>;
      }>;
    };
    expect(policy.podSelector.matchLabels).toEqual(portal.selector.matchLabels);
    expect(policy.policyTypes).toContain('Ingress');
    const internalPort = containerPort(mainContainer(portal), 'internal');
    const opens = (rule: (typeof policy.ingress)[number]): boolean =>
      (rule.ports ?? []).some((x) => x.port === 'internal' || x.port === internalPort) ||
      rule.ports === undefined;
    const rules = policy.ingress.filter(opens);
    expect(rules).toHaveLength(1);
    const from = rules[0]!.from ?? [];
    expect(from).toHaveLength(1);
    expect(from[0]!.namespaceSelector).toBeUndefined();
    // Every label it asks for is on the authorizer's pods, and not all of them on the portal's.
    const wanted = from[0]!.podSelector?.matchLabels ?? {};
    expect(Object.keys(wanted).length).toBeGreaterThan(0);
    expect(authz.template.metadata.labels).toEqual(expect.objectContaining(wanted));
    expect(portal.template.metadata.labels).not.toEqual(expect.objectContaining(wanted));
  });

  test('PodDisruptionBudgets select their pods and leave one up', () => {
    for (const name of [AUTHZ, PORTAL]) {
      const d = deploymentSpec(objects(), name);
      const pdb = one(objects(), 'PodDisruptionBudget', name).spec as {
        minAvailable: number;
        selector: { matchLabels: Record<string, string> };
      };
      expect(pdb.selector.matchLabels).toEqual(d.selector.matchLabels);
      expect(pdb.minAvailable).toBeGreaterThanOrEqual(1);
      expect(pdb.minAvailable).toBeLessThan(d.replicas);
    }
  });

  test('migrations run before the portal (payment-portal migrate), with its config and secrets', () => {
    const portal = deploymentSpec(objects(), PORTAL);
    const main = mainContainer(portal);
    const inits = portal.template.spec.initContainers ?? [];
    expect(inits).toHaveLength(1);
    const migrate = inits[0]!;
    expect(migrate.image).toBe(main.image);
    expect(migrate.command).toEqual(['payment-portal', 'migrate', '--config', main.command[2]]);
    expect(migrate.env).toEqual(main.env);
    expect(migrate.envFrom).toEqual(main.envFrom);
    expect(migrate.volumeMounts).toEqual(main.volumeMounts);
  });
});

describe('overlays/nginx-ingress', () => {
  const objects = (): K8sObject[] => renderedOf('overlays/nginx-ingress');
  const annotations = (): Record<string, string> =>
    one(objects(), 'Ingress', 'shop').metadata.annotations ?? {};

  test('the app’s Ingress carries integrations/nginx’s auth snippets, aimed at the authorizer’s Service', () => {
    const svc = serviceSpec(objects(), AUTHZ);
    const authzUrl = `http://${AUTHZ}.${NAMESPACE}.svc.cluster.local:${servicePort(svc, 'http').port}`;
    const location = directives(annotations()['nginx.ingress.kubernetes.io/configuration-snippet'] ?? '');
    const server = directives(annotations()['nginx.ingress.kubernetes.io/server-snippet'] ?? '');
    expect(location).toEqual(
      expect.arrayContaining(directives(readRepo('integrations/nginx/snippets/turnpike-auth.conf'))),
    );
    // The identity headers turnpike.conf sets in every protected location, always from the answer.
    const identity = directives(readRepo('integrations/nginx/turnpike.conf')).filter((l) =>
      /^proxy_set_header X-402-/.test(l),
    );
    expect(identity.map((l) => l.split(' ')[1]!.toLowerCase()).sort()).toEqual([...IDENTITY_HEADERS].sort());
    expect(location).toEqual(expect.arrayContaining(identity));
    // The decision cache is left out: its zone needs the controller's http-snippet
    // (docs/decision-cache.md), so this overlay asks the authorizer on every request.
    const internal = directives(
      readRepo('integrations/nginx/snippets/turnpike-internal.conf').replaceAll(
        'http://turnpike_authz',
        authzUrl,
      ),
    ).filter((l) => l !== 'include snippets/turnpike-decision-cache.conf;');
    expect(server).toEqual(internal);
    expect(server).toContain(`proxy_pass ${authzUrl}/v1/nginx;`);
    // Nothing else reaches the controller: no auth-url (it would replace Host, README.md).
    expect(Object.keys(annotations()).sort()).toEqual([
      'nginx.ingress.kubernetes.io/configuration-snippet',
      'nginx.ingress.kubernetes.io/server-snippet',
    ]);
  });

  test('the snippets load in a real NGINX server, as ingress-nginx places them (nginx -t)', () => {
    // ingress-nginx puts server-snippet in the host's server block and configuration-snippet in
    // each of its locations. The Service's cluster DNS name cannot resolve here: 127.0.0.1 stands in.
    const local = (snippet: string | undefined): string =>
      (snippet ?? '').replaceAll(`${AUTHZ}.${NAMESPACE}.svc.cluster.local`, '127.0.0.1');
    const dir = mkdtempSync(path.join(tmpdir(), 'turnpike-ingress-nginx-'));
    try {
      const conf = [
        process.getuid?.() === 0 ? 'user root;' : '',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 64; }',
        'http {',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
        '  server {',
        '    listen 127.0.0.1:8080;',
        '    server_name shop.example.com;',
        local(annotations()['nginx.ingress.kubernetes.io/server-snippet']),
        '    location / {',
        local(annotations()['nginx.ingress.kubernetes.io/configuration-snippet']),
        '      proxy_pass http://127.0.0.1:3000;',
        '    }',
        '  }',
        '}',
      ].join('\n');
      writeFileSync(path.join(dir, 'nginx.conf'), conf);
      const run = spawnSync(gatewayBinary('nginx'), ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.stderr).toMatch(/syntax is ok/);
      expect(run.stderr).not.toMatch(/\[(warn|emerg|error)\]/);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('/_402/ of the same host goes to the portal’s public Service, without auth', () => {
    const shop = one(objects(), 'Ingress', 'shop').spec as Json;
    const portal = one(objects(), 'Ingress', PORTAL);
    expect(portal.metadata.namespace).toBe(NAMESPACE);
    expect(portal.metadata.annotations).toBeUndefined();
    const rule = (portal.spec as { rules: Array<{ host: string; http: { paths: Json[] } }> }).rules[0]!;
    expect(rule.host).toBe((shop.rules as Array<{ host: string }>)[0]!.host);
    expect(rule.http.paths).toEqual([
      { path: '/_402/', pathType: 'Prefix', backend: { service: { name: PORTAL, port: { name: 'http' } } } },
    ]);
  });
});

describe('overlays/traefik', () => {
  const objects = (): K8sObject[] => renderedOf('overlays/traefik');
  const dynamic = (): Json =>
    (parse(readRepo('integrations/traefik/dynamic.yaml')) as { http: { middlewares: Json } }).http
      .middlewares;

  test('the Middlewares are integrations/traefik/dynamic.yaml’s, forwardAuth aimed at the authorizer’s Service', () => {
    const svc = serviceSpec(objects(), AUTHZ);
    const original = dynamic();
    const forwardAuth = (one(objects(), 'Middleware', 'turnpike').spec as { forwardAuth: Json }).forwardAuth;
    const originalAuth = (original.turnpike as { forwardAuth: Json }).forwardAuth;
    expect(forwardAuth.address).toBe(
      `http://${AUTHZ}.${NAMESPACE}.svc.cluster.local:${servicePort(svc, 'http').port}/v1/forward-auth`,
    );
    expect({ ...forwardAuth, address: originalAuth.address }).toEqual(originalAuth);
    expect(forwardAuth.trustForwardHeader).toBe(false);
    expect(one(objects(), 'Middleware', 'turnpike-strip').spec).toEqual(original['turnpike-strip']);
  });

  test('the app’s route runs turnpike-strip then turnpike; /_402/ goes to the portal without them', () => {
    type Route = {
      match: string;
      priority?: number;
      middlewares?: Array<{ name: string }>;
      services: Json[];
    };
    const shop = one(objects(), 'IngressRoute', 'shop');
    const shopRoute = (shop.spec as { routes: Route[] }).routes[0]!;
    const middlewareNs = new Set(
      objects()
        .filter((o) => o.kind === 'Middleware')
        .map((o) => o.metadata.namespace),
    );
    expect([...middlewareNs]).toEqual([shop.metadata.namespace]);
    expect(shopRoute.middlewares).toEqual([{ name: 'turnpike-strip' }, { name: 'turnpike' }]);
    const portal = one(objects(), 'IngressRoute', PORTAL);
    expect(portal.metadata.namespace).toBe(NAMESPACE);
    const portalRoute = (portal.spec as { routes: Route[] }).routes[0]!;
    expect(portalRoute.middlewares).toBeUndefined();
    expect(portalRoute.match).toBe(`${shopRoute.match} && PathPrefix(\`/_402/\`)`);
    expect(portalRoute.priority).toBeGreaterThan(0);
    expect(portalRoute.services).toEqual([{ name: PORTAL, port: 'http' }]);
  });
});

describe('overlays/istio', () => {
  const objects = (): K8sObject[] => renderedOf('overlays/istio');
  const COPIES = ['authorization-policy.yaml', 'destination-rules.yaml', 'virtual-service.yaml'];

  test.each(COPIES)('%s is integrations/istio’s, unchanged', (file) => {
    expect(readFileSync(path.join(KUBERNETES_DIR, 'overlays/istio', file), 'utf8')).toBe(
      readRepo(`integrations/istio/${file}`),
    );
  });

  test('mesh-config.yaml’s providers point at the authorizer’s Service, gRPC and HTTP ports', () => {
    const svc = serviceSpec(objects(), AUTHZ);
    const providers = (
      parse(readRepo('integrations/istio/mesh-config.yaml')) as {
        meshConfig: {
          extensionProviders: Array<{ name: string } & Record<string, { service: string; port: number }>>;
        };
      }
    ).meshConfig.extensionProviders;
    const grpc = providers.find((x) => x.name === 'turnpike-grpc')?.envoyExtAuthzGrpc;
    const http = providers.find((x) => x.name === 'turnpike-http')?.envoyExtAuthzHttp;
    expect(grpc?.service).toBe(`${AUTHZ}.${NAMESPACE}.svc.cluster.local`);
    expect(grpc?.port).toBe(servicePort(svc, 'grpc').port);
    expect(http?.service).toBe(`${AUTHZ}.${NAMESPACE}.svc.cluster.local`);
    expect(http?.port).toBe(servicePort(svc, 'http').port);
  });

  test('the VirtualService and DestinationRules name the rendered Services; sidecars are injected', () => {
    const portalSvc = serviceSpec(objects(), PORTAL);
    const vs = one(objects(), 'VirtualService', 'shop').spec as {
      http: Array<{ match?: Array<{ uri: { prefix: string } }>; route: Array<{ destination: Json }> }>;
    };
    const portalRoute = vs.http.find((r) => r.match?.some((m) => m.uri.prefix === '/_402/'));
    expect(portalRoute?.route).toEqual([
      {
        destination: {
          host: `${PORTAL}.${NAMESPACE}.svc.cluster.local`,
          port: { number: servicePort(portalSvc, 'http').port },
        },
      },
    ]);
    const hosts = objects()
      .filter((o) => o.kind === 'DestinationRule')
      .map((o) => (o.spec as { host: string }).host)
      .sort();
    expect(hosts).toEqual([AUTHZ, PORTAL_INTERNAL, PORTAL].map((n) => `${n}.${NAMESPACE}.svc.cluster.local`));
    expect(one(objects(), 'Namespace', NAMESPACE).metadata.labels?.['istio-injection']).toBe('enabled');
  });
});

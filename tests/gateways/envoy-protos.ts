/**
 * Envoy's own protos (shipped by @grpc/grpc-js-xds, never copied here) as a protobufjs root, to
 * hold the shipped Envoy configs' typed blocks to the real message definitions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { envoyProtoIncludeDirs } from '../../authz-service/src/transports/grpc/protos.js';

type Json = Record<string, unknown>;

/** Loads `files` (paths relative to the envoy-api include dir) with their imports, field names as in the protos. */
export function loadEnvoyProtos(files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  const dirs = envoyProtoIncludeDirs();
  root.resolvePath = (_origin, target) => {
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      try {
        readFileSync(candidate);
        return candidate;
      } catch {
        // try the next include dir
      }
    }
    return target;
  };
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Unknown field names (path list) of `value` against message type `typeName`. */
export function unknownFields(
  root: protobuf.Root,
  typeName: string,
  value: unknown,
  at = typeName,
): string[] {
  const type = root.lookupType(typeName);
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value as Json)) {
    if (key === '@type') continue;
    const field = type.fields[key];
    if (!field) {
      problems.push(`${at}.${key}`);
      continue;
    }
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof protobuf.Type && !resolved.fullName.startsWith('.google.protobuf.')) {
      for (const item of field.repeated ? (v as unknown[]) : [v])
        problems.push(...unknownFields(root, resolved.fullName.slice(1), item, `${at}.${key}`));
    } else if (resolved instanceof protobuf.Enum && typeof v === 'string' && !(v in resolved.values)) {
      problems.push(`${at}.${key}=${v}`);
    }
  }
  return problems;
}

import type { PaymentRequest } from '@turnpike/protocol';

const JSON_SCHEMA_2020 = 'https://json-schema.org/draft/2020-12/schema';
const QUERY_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE']);
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** Which `bazaar` input shape a request method takes (specs/extensions/bazaar.md, "Input Types"). */
export type BazaarMethodClass = 'query' | 'body';

export function bazaarMethodClass(method: string): BazaarMethodClass {
  return BODY_METHODS.has(method) ? 'body' : 'query';
}

/** x402 `bazaar` `info.output.type` for a media type ("json", "text", …). */
function outputType(mimeType: string | undefined): string {
  if (mimeType === undefined || mimeType === 'application/json' || mimeType.endsWith('+json')) return 'json';
  if (mimeType.startsWith('text/')) return mimeType === 'text/html' ? 'html' : 'text';
  return mimeType;
}

/**
 * The x402 `bazaar` discovery extension of a resource (x402 specs/extensions/bazaar.md): `info`
 * (an HTTP input of the request's method, and the output the declaration describes) and the
 * JSON Schema (Draft 2020-12) that validates it, the declaration's `outputSchema` as the schema of
 * `output.example` (as @x402/extensions' own builder places it). Only for a resource whose
 * declaration describes itself (`description`): discovery is the site owner's choice.
 */
export function bazaarExtension(
  request: PaymentRequest,
  method: string,
  mimeType: string | undefined,
): { info: unknown; schema: unknown } | undefined {
  if (request.description === undefined) return undefined;
  const body = bazaarMethodClass(method) === 'body';
  const m = body ? method : QUERY_METHODS.has(method) ? method : 'GET';
  const input = body ? { type: 'http', method: m, bodyType: 'json', body: {} } : { type: 'http', method: m };
  const inputSchema = {
    type: 'object',
    properties: {
      type: { type: 'string', const: 'http' },
      method: { type: 'string', enum: body ? ['POST', 'PUT', 'PATCH'] : ['GET', 'HEAD', 'DELETE'] },
      ...(body
        ? { bodyType: { type: 'string', enum: ['json', 'form-data', 'text'] }, body: { type: 'object' } }
        : {}),
      queryParams: { type: 'object', additionalProperties: { type: 'string' } },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
    },
    required: body ? ['type', 'method', 'bodyType', 'body'] : ['type', 'method'],
    additionalProperties: false,
  };
  const output = { type: outputType(mimeType), ...(mimeType === undefined ? {} : { format: mimeType }) };
  const outputSchema = {
    type: 'object',
    properties: {
      type: { type: 'string' },
      format: { type: 'string' },
      ...(request.outputSchema === undefined ? {} : { example: request.outputSchema }),
    },
    required: ['type'],
  };
  return {
    info: { input, output },
    schema: {
      $schema: JSON_SCHEMA_2020,
      type: 'object',
      properties: { input: inputSchema, output: outputSchema },
      required: ['input'],
    },
  };
}

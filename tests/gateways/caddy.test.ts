// The gateway decision table through real caddy running integrations/caddy/ (see run-table.ts).
import { describeGatewayTable } from './run-table.js';

describeGatewayTable('caddy');

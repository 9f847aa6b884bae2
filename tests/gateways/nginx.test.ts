// The gateway decision table through real nginx running integrations/nginx/ (see run-table.ts).
import { describeGatewayTable } from './run-table.js';

describeGatewayTable('nginx');

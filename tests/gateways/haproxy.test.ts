// The gateway decision table through real haproxy running integrations/haproxy/ (see run-table.ts).
import { describeGatewayTable } from './run-table.js';

describeGatewayTable('haproxy');

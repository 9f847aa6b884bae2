/** The unmodified mppx client pays through real Caddy (integrations/caddy); see mpp-suite.ts. */
import { mppSuite } from './mpp-suite.js';

describe('MPP through Caddy', () => {
  mppSuite('caddy');
});

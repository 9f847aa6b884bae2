/** The unmodified mppx client pays through real NGINX (integrations/nginx); see mpp-suite.ts. */
import { mppSuite } from './mpp-suite.js';

describe('MPP through NGINX', () => {
  mppSuite('nginx');
});

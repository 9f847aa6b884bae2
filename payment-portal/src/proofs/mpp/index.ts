export { verifyMppCredential, type MppVerifierDeps } from './verify-mpp-credential.js';

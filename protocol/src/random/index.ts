export { randomId128, randomPoolBytes } from './random-pool.js';

export { randomId128, randomPoolBytes, randomPoolText } from './random-pool.js';

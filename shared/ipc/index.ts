export * from './config.js';
export * from './contract.js';

/**
 * `node -r ./test/support/swc-register.js src/worker.ts`: runs a real entry point from source, so
 * tests can spawn the service's processes without building dist/ first. Same settings as .swcrc.
 */
const fs = require('node:fs');
const Module = require('node:module');
const swc = require('@swc/core');

const options = JSON.parse(fs.readFileSync(require.resolve('../../.swcrc'), 'utf8'));
Module._extensions['.ts'] = function compileTs(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename, swcrc: false });
  module._compile(code, filename);
};

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { seedDemo } from './demo.js';
import { startMetricsListener } from './http/metrics-listener.js';
import { preparePasswordChecks } from './policy/password-check.js';
import { createServer } from './server.js';

/** `npm run server [-- --config file.json] [--demo]`: starts the SSPR server. */
async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string' }, demo: { type: 'boolean', default: false } }, strict: true }).values;
  } catch (e) {
    console.error(`sspr-server: ${(e as Error).message}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig({ file: args.config });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`sspr-server: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const server = await createServer(config);
  if (args.demo || process.env.SSPR_DEMO === '1') await seedDemo({ db: server.services.db, directory: server.services.directory, methodStore: server.services.methods });
  preparePasswordChecks();
  const address = await server.app.listen({ port: config.port, host: config.host });
  const say = (line: string) => process.stdout.write(line + '\n');
  say(`SSPR server listening on ${address}/api/v1  (OpenAPI: ${address}/api/v1/openapi.json)`);
  say(`data: ${config.dataDir}   directory: ${config.directoryUrl}`);
  const metricsListener = config.metricsPort === undefined ? null : await startMetricsListener(server.metrics, config.metricsHost, config.metricsPort);
  if (metricsListener) say(`metrics: ${metricsListener.url}`);
  if (!config.smtpUrl || !config.smsWebhookUrl) say(`codes that would be emailed or texted go to the local outbox: ${server.services.outbox.file}`);
  if (!config.adminToken) say(`bootstrap admin token: in ${config.dataDir}/admin-token`);
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    say(`${signal}: shutting down`);
    await metricsListener?.close();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(`sspr-server: ${(e as Error).message}`);
  process.exit(1);
});

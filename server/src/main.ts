#!/usr/bin/env node
import { MediaError } from '@care/media';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startMediaNode } from './media-nodes/media-node.js';
import { mediaSettings, PortInUseError, startPlatform } from './platform.js';

/** Process entry: config from the environment, then the platform; stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`CARE ASN server: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.LOG_LEVEL);
  try {
    if (config.CARE_ROLE === 'media') {
      const node = await startMediaNode(config, mediaSettings(config), log);
      // The line scripts and tests wait for (the control port, for a port 0 given).
      process.stdout.write(`CARE_ASN_MEDIA_READY ${node.nodeId} ${node.controlPort}\n`);
      let stopping = false;
      // SIGTERM drains: no new rooms here; the signal nodes move the live ones off, or they finish (a bounded grace); SIGINT stops at once.
      process.on('SIGTERM', () => {
        if (stopping) return;
        stopping = true;
        log.info({ signal: 'SIGTERM' }, 'draining');
        node.drain(config.MEDIA_DRAIN_GRACE_SECONDS * 1000).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      });
      process.on('SIGINT', () => void node.close().then(() => process.exit(0), () => process.exit(1)));
      return;
    }
    const platform = await startPlatform(config, log);
    // The one line a person starting the server needs (also read by scripts/start.ts).
    process.stdout.write(`CARE_ASN_READY ${platform.url}\n`);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      platform.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    if (error instanceof PortInUseError || (error instanceof MediaError && error.code === 'port_in_use')) {
      process.stderr.write(`CARE ASN server: ${error.message}\n`);
      process.exit(3);
    }
    log.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
}

void main();

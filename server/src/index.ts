export { startPlatform, PortInUseError, type Platform, type PlatformParts } from './platform.js';
export { loadConfig, ConfigError, ConfigSchema, type Config } from './config.js';
export { createLogger, redactedPaths } from './logger.js';
export { seedDemo, demoAccounts } from './seed/demo-seed.js';
export { hashPassword } from './auth/password.js';
export { SessionStore } from './auth/session-store.js';
export { csrfTokenFor } from './auth/csrf-token.js';
export type { InviteDelivery, InviteMessage } from './accounts/invite-delivery.js';

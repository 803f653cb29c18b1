export { startPlatform, PortInUseError, type Platform } from './platform.js';
export { loadConfig, ConfigError, ConfigSchema, type Config } from './config.js';
export { createLogger, redactedPaths } from './logger.js';
export { seedDemo, demoAccounts } from './seed/demo-seed.js';
export { hashPassword } from './auth/password.js';
export { SessionStore } from './auth/session-store.js';
export { csrfTokenFor } from './auth/csrf-token.js';

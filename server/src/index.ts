export { startPlatform, PortInUseError, type Platform, type PlatformOverrides } from './platform.js';
export { loadConfig, ConfigError, ConfigSchema, type Config } from './config.js';
export { createLogger, redactedPaths } from './logger.js';
export { seedDemo, demoAccounts } from './seed/demo-seed.js';
export { hashPassword } from './auth/password.js';
export { SessionStore } from './auth/session-store.js';
export { appointmentIcs, neutralTitle, type CalendarEntry, type IcsMethod } from './calendar/appointment-ics.js';
export { deliveryKey } from './notifications/delivery-ledger.js';
export { groupTitle, circleMeetingUid } from './calendar/circle-ics.js';

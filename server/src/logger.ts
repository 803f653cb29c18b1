import { pino, type Logger } from 'pino';

/**
 * Fields that must never reach a log line, wherever they appear: people's
 * names and contact details, chat text, credentials and keys. Logs carry
 * opaque ids only; this list is the safety net, not the plan.
 */
export const redactedPaths = [
  'password',
  'passwordHash',
  'displayName',
  'name',
  'email',
  'text',
  'message.text',
  'cookie',
  'token',
  'key',
  'secret',
  'dtlsParameters',
  'iceParameters',
  '*.password',
  '*.passwordHash',
  '*.displayName',
  '*.name',
  '*.email',
  '*.text',
  '*.cookie',
  '*.token',
  '*.key',
  '*.secret',
  // Accounts: invite links and files, sign-in challenges, second-factor secrets.
  'link',
  'csv',
  'challenge',
  'totpSecret',
  'recoveryCodeHashes',
  'tokenHash',
  '*.link',
  '*.csv',
  '*.challenge',
  '*.totpSecret',
  '*.recoveryCodeHashes',
  '*.tokenHash',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'care-server' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

export type { Logger };

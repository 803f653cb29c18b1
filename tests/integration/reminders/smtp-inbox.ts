import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope recipient. */
  to: string;
  subject: string;
  text: string;
  /** Every calendar part (the text/calendar alternative and the .ics attachment), decoded. */
  calendars: Array<{ contentType: string; filename: string | undefined; content: string }>;
  /** The whole message as it came over the wire. */
  raw: string;
}

export interface SmtpInbox {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  received: ReceivedMail[];
  /** Answers the next `count` messages with 451 (try again later), after reading them. */
  refuseNext(count: number): void;
  /** How many were refused so far. */
  refused(): number;
  /** Resolves once `predicate` holds for the messages received, or fails after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedMail[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real SMTP server on a loopback port that keeps what it is sent, parsed. */
export async function startSmtpInbox(): Promise<SmtpInbox> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let toRefuse = 0;
  let refusedCount = 0;
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (toRefuse > 0) {
          toRefuse -= 1;
          refusedCount += 1;
          callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            const to = session.envelope.rcptTo[0]?.address ?? '';
            received.push({
              to,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              calendars: mail.attachments
                .filter((a) => /calendar|ics/i.test(a.contentType))
                .map((a) => ({ contentType: a.contentType, filename: a.filename, content: a.content.toString('utf8') })),
              raw: raw.toString('utf8'),
            });
            for (const wake of waiters) wake();
            callback();
          },
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuseNext(count) {
      toRefuse = count;
    },
    refused: () => refusedCount,
    waitFor(predicate, what, timeoutMs = 15_000) {
      if (predicate(received)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waited ${timeoutMs} ms for ${what}; received ${received.length}: ${received.map((m) => `${m.to} "${m.subject}"`).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The unfolded lines of an iCalendar text. */
export function icsLines(ics: string): string[] {
  return ics.replace(/\r\n[ \t]/g, '').split('\r\n');
}

/** A property of the VEVENT (its value after the first colon), e.g. icsValue(ics, 'SEQUENCE') → '1'. */
export function icsValue(ics: string, name: string): string | undefined {
  const lines = icsLines(ics);
  const event = lines.slice(lines.indexOf('BEGIN:VEVENT'));
  const line = event.find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`)) ?? lines.find((l) => l.startsWith(`${name}:`));
  return line?.slice(line.indexOf(':') + 1);
}

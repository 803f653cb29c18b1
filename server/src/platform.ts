import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalMediaRooms, RoomRegistry, WorkerPool, type MediaRooms, type MediaSettings } from '@care/media';
import { sessionlessApiPaths } from '@care/shared';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { accountSecurityRoutes } from './accounts/account-security-routes.js';
import { notificationSettingsRoutes } from './notifications/notification-settings-routes.js';
import { AccountModels } from './accounts/account-models.js';
import { AccountLookup } from './accounts/account-lookup.js';
import { adminRoutes } from './accounts/admin-routes.js';
import { InviteCounts } from './accounts/invite-counts.js';
import type { InviteDelivery } from './accounts/invite-delivery.js';
import { inviteDeliveryFor } from './accounts/mail-invite-delivery.js';
import { inviteRoutes } from './accounts/invite-routes.js';
import { InviteService } from './accounts/invite-service.js';
import { UserAdminService } from './accounts/user-admin-service.js';
import { AccountCache } from './auth/account-cache.js';
import { AttemptLimits } from './auth/attempt-limits.js';
import { AuthService } from './auth/auth-service.js';
import { LoginChallenges } from './auth/login-challenges.js';
import { PasswordResets } from './auth/password-resets.js';
import { SecretBox } from './auth/secret-box.js';
import { secureCookies } from './auth/session-cookie.js';
import { TotpService } from './auth/totp-service.js';
import { SessionStore } from './auth/session-store.js';
import type { Config } from './config.js';
import { Database } from './db/database.js';
import { requireCsrfToken } from './http/csrf.js';
import { createHttpApp } from './http/http-app.js';
import { metricsAccess } from './http/metrics-access.js';
import { OriginPolicy } from './http/same-origin.js';
import { answerUnparsableRequests } from './http/unparsable-requests.js';
import { appointmentRoutes } from './http/routes/appointment-routes.js';
import { authRoutes } from './http/routes/auth-routes.js';
import { healthRoutes } from './http/routes/health-routes.js';
import { networkCheckRoutes } from './http/routes/network-check-routes.js';
import { helpLineRoutes } from './http/routes/help-line-routes.js';
import { sessionRoutes } from './http/routes/session-routes.js';
import { circleRoutes } from './circles/circle-routes.js';
import { CircleRetirement } from './circles/circle-retirement.js';
import { createCircles } from './circles/circles.js';
import { devOutboxRoutes } from './mail/dev-outbox-routes.js';
import { createMail } from './mail/mail.js';
import { createMetrics, createRateLimitedCounter } from './metrics.js';
import { CacheInvalidations } from './node-cache/cache-invalidations.js';
import { createNotifications, type Notifications } from './notifications/notifications.js';
import type { Notifier } from './notifier.js';
import { AttendanceRecorder } from './reporting/attendance-recorder.js';
import { ReportCounts } from './reporting/report-counts.js';
import { AllowanceCounts } from './reporting/allowance-counts.js';
import { ReportService } from './reporting/report-service.js';
import { SchedulingModels } from './scheduling/scheduling-models.js';
import { createScheduling } from './scheduling/scheduling.js';
import { schedulingRoutes } from './scheduling/scheduling-routes.js';
import { createProgramme } from './programme/programme.js';
import { programmeRoutes } from './programme/programme-routes.js';
import { feedbackRoutes } from './programme/feedback-routes.js';
import { createReferralFeedback } from './programme/referral-feedback.js';
import { referralRoutes } from './programme/referral-routes.js';
import { ProgrammeReport } from './reporting/programme-report.js';
import { seedDemo } from './seed/demo-seed.js';
import { seedDemoProgramme } from './seed/demo-programme-seed.js';
import { seedDemoReferral } from './seed/demo-referral-seed.js';
import { demoDeviceRoutes } from './seed/demo-device-routes.js';
import { createLiveSession, type LiveSession } from './live/live-session.js';
import { MlsEpochClaims } from './live/mls/mls-epoch-claims.js';
import { TurnCredentials, turnSettings } from './live/turn-credentials.js';
import { PresenceService } from './presence/presence-service.js';
import { AppointmentService } from './sessions/appointment-service.js';
import { SessionDirectory } from './sessions/session-directory.js';
import { SessionSockets } from './socket/session-sockets.js';
import { RequestLimiter } from './socket/request-limiter.js';
import { createSocketServer, registerSocketFeatures } from './socket/socket-server.js';
import { RoomNoticeStream } from './socket/room-notice-stream.js';
import { socketNotifier } from './socket/socket-notifier.js';
import type { AppServer } from './socket/types.js';
import { connectedServer, connectRedis, refindPrimary } from './redis/redis-connection.js';
import { PrimaryFence } from './redis/primary-fence.js';
import { PrimaryWatch } from './redis/primary-watch.js';
import { controlTlsClient } from './media-nodes/control-tls.js';
import { MediaNodeRegistry } from './media-nodes/media-node-registry.js';
import { RemoteMediaRooms } from './media-nodes/remote-room-media.js';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

export interface Platform {
  url: string;
  port: number;
  db: Database;
  redis: Redis;
  io: AppServer;
  /** Pushes to a connection, or to a person's connections on every node, as the services make them. */
  notifier: Notifier;
  /** The Express app (its router stack is what the REST fuzz test enumerates). */
  http: Express;
  /** This node's media workers (CARE_ROLE=all; a signal node has none, and reading this throws). */
  pool: WorkerPool;
  /** The rooms whose media this node hosts, as mediasoup objects (CARE_ROLE=all; a signal node has none, and reading this throws). */
  media: RoomRegistry;
  /** The rooms' media through the seam, wherever it runs. */
  mediaRooms: MediaRooms;
  /** Invitations, reminders (this node's scheduler) and calendar files. */
  notifications: Notifications;
  /** The live session's parts on this node: rooms, lobby, MLS delivery, and which node serves a room. */
  live: LiveSession;
  close(): Promise<void>;
}

/** What a test may replace in the platform it starts. */
export interface PlatformOverrides {
  /** The clock of reminders and invitations (bookings keep the real one). */
  reminderClock?: () => Date;
  /** The clock of the report: which months have closed. */
  reportClock?: () => Date;
  /** How invite links reach people; by default email (SMTP_URL), or in development the links kept for the admin page. */
  inviteDelivery?: InviteDelivery;
  /** Around each HTTP request: `handle` serves it. A benchmark counts there what each request costs. */
  aroundRequest?: (req: http.IncomingMessage, res: http.ServerResponse, handle: () => void) => void;
  /** The database driver's command monitoring on the platform's connection (`commandStarted` events). */
  monitorDatabaseCommands?: boolean;
}

export function mediaSettings(config: Config): MediaSettings {
  return {
    workers: config.MEDIA_WORKERS,
    workerBin: config.MEDIASOUP_WORKER_BIN,
    listenIp: config.MEDIA_LISTEN_IP,
    announcedAddress: config.MEDIA_ANNOUNCED_ADDRESS,
    portBase: config.MEDIA_PORT_BASE,
    initialAvailableOutgoingBitrate: 1_000_000,
    consumersPerWorker: config.MEDIA_CONSUMERS_PER_WORKER,
    logLevel: config.MEDIA_LOG_LEVEL,
  };
}

async function listen(server: http.Server, config: Config, log: Logger): Promise<number> {
  const attempt = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(error);
      server.once('error', onError);
      server.listen(port, config.HOST, () => {
        server.off('error', onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  try {
    return await attempt(config.PORT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (!config.PORT_FALLBACK) {
      throw new PortInUseError(`PORT ${config.PORT} on ${config.HOST} is already in use; stop what uses it or set PORT to a free port`);
    }
    const port = await attempt(0);
    log.warn({ wanted: config.PORT, port }, 'PORT was in use; took a free one');
    return port;
  }
}

/** The composition root: connects every service, wires the features, and listens. */
export async function startPlatform(config: Config, log: Logger, overrides: PlatformOverrides = {}): Promise<Platform> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) {
      await Promise.resolve()
        .then(cleanup)
        .catch((error: unknown) => log.warn({ err: error }, 'error during shutdown'));
    }
  };
  try {
    const redis = await connectRedis(config, log);
    cleanups.push(() => void redis.disconnect());

    // Node caches (accounts, rules) and the invalidations that keep them current on every node.
    const invalidations = await CacheInvalidations.start(redis, log.child({ component: 'node-cache' }));
    cleanups.push(() => invalidations.close());

    const db = await Database.connect(config.MONGODB_URI, config.MONGODB_DB, log, {
      monitorCommands: overrides.monitorDatabaseCommands ?? false,
      onUsersWritten: (ids) => invalidations.publish('accounts', ids),
    });
    cleanups.push(() => db.close());
    const accounts = new AccountCache(db, invalidations);

    const { pool, registry, mediaRooms, mediaReady } = await mediaForRole(config, redis, log);
    if (pool) cleanups.push(() => pool.close());
    cleanups.push(() => mediaRooms.closeAll());

    if (config.SEED_DEMO) await seedDemo(db, log);

    // Engine.IO takes over the request listeners the server has when Socket.IO
    // attaches, and leaves its own paths to itself only for those: the app's
    // listener must be there first, or the app would answer Socket.IO's
    // polling requests too (two answers to one request: an uncaught
    // ERR_HTTP_HEADERS_SENT in Engine.IO). The app itself is built below.
    const served: { app?: Express; fence?: PrimaryFence } = {};
    const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (served.fence?.refused(req, res)) return;
      if (served.app) return void served.app(req, res);
      res.writeHead(503).end();
    };
    const around = overrides.aroundRequest;
    const httpServer = http.createServer(around ? (req, res) => around(req, res, () => serve(req, res)) : serve);
    answerUnparsableRequests(httpServer);
    const origins = new OriginPolicy(config.PUBLIC_URL);
    const { io, closeAdapter } = createSocketServer(httpServer, redis, origins, log.child({ component: 'socket' }), () => fence.serving);
    // Out of service while the sentinels cannot confirm this node's Redis primary (a cut that left it with the old one).
    const fence = new PrimaryFence(io);
    served.fence = fence;
    if (config.REDIS_SENTINELS && config.REDIS_PRIMARY_LEASE_MS > 0) {
      const watch = PrimaryWatch.start({
        sentinels: config.REDIS_SENTINELS,
        masterName: config.REDIS_MASTER_NAME,
        leaseMs: config.REDIS_PRIMARY_LEASE_MS,
        current: () => connectedServer(redis),
        onLost: () => fence.stop(),
        onRegained: () => fence.resume(),
        onMoved: () => refindPrimary(redis),
        log: log.child({ component: 'redis-primary' }),
      });
      cleanups.push(() => watch.close());
    }
    // Notices to a person's connections on every node, through a sealed Redis stream a failover does not lose.
    const notices = new RoomNoticeStream(io, redis, config.RATE_LIMIT_KEY ? Buffer.from(config.RATE_LIMIT_KEY, 'base64') : undefined, log.child({ component: 'notices' }));
    await notices.start();
    cleanups.push(async () => {
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      await Promise.all([notices.close(), closeAdapter()]);
    });
    const notifier = socketNotifier(io, notices);

    const mail = createMail(config, redis, log.child({ component: 'mail' }));
    cleanups.push(() => mail.mailer?.close());
    // Links in messages need the public URL, known once the server listens (before any booking can be made).
    let appUrl = config.PUBLIC_URL ?? '';
    const notifications = await createNotifications({
      db,
      mailer: mail.mailer,
      notifier,
      config,
      appUrl: () => appUrl,
      now: overrides.reminderClock ?? (() => new Date()),
      log: log.child({ component: 'notifications' }),
    });

    const limits = new AttemptLimits(redis, { key: config.RATE_LIMIT_KEY, addressBudget: config.RATE_LIMIT_ADDRESS_BUDGET });
    const totp = new TotpService(db, redis, new SecretBox(config.TOTP_ENCRYPTION_KEY), config.TOTP_REQUIRED_ROLES, limits.totp);
    const sessionStore = new SessionStore(redis, {
      idleSeconds: Math.round(config.SESSION_IDLE_HOURS * 3600),
      maxSeconds: Math.round(config.SESSION_MAX_HOURS * 3600),
    });
    const auth = new AuthService({
      db,
      sessions: sessionStore,
      totp,
      challenges: new LoginChallenges(redis),
      limits,
      endings: new SessionSockets(notices),
      accounts,
      invalidations,
    });
    const passwordResets = new PasswordResets(
      db,
      redis,
      mail.mailer,
      auth,
      limits,
      { ttlMinutes: config.PASSWORD_RESET_TTL_MINUTES, appUrl: () => appUrl },
      log.child({ component: 'password-reset' }),
    );
    const accountModels = await AccountModels.bind(db);
    const attendance = new AttendanceRecorder(accountModels.attendance, accountModels.circleAttendance, log.child({ component: 'attendance' }));
    const appointments = new AppointmentService(db);
    const scheduling = await createScheduling({
      db,
      redis,
      log: log.child({ component: 'scheduling' }),
      accounts,
      invalidations,
      allowancePerYear: config.ALLOWANCE_SESSIONS_PER_YEAR,
      options: {
        // After the answer has gone: the person waiting for it does not wait for live pushes or invitations.
        onChange: ({ counselorId, clientId, bookingId, change }) =>
          setImmediate(() => {
            for (const userId of [counselorId, clientId]) notifier.toUser(userId, 'calendar:changed', { bookingId, change });
            notifications.service.bookingChanged(bookingId, change);
          }),
      },
    });
    const programme = await createProgramme({ db, redis, log: log.child({ component: 'programme' }), accounts, scheduling });
    if (config.SEED_DEMO) await seedDemoProgramme(db, scheduling.models, programme.models, log, { outsideTests: config.NODE_ENV !== 'test' });
    const { circles, models: circleModels } = await createCircles({
      db,
      redis,
      log: log.child({ component: 'circles' }),
      options: {
        onChange: ({ userIds, circleId, change }) => {
          for (const userId of userIds) notifier.toUser(userId, 'circle:changed', { circleId, change });
        },
        onCalendarChange: (change) => notifications.circles.calendarChanged(change),
      },
    });
    const sessions = new SessionDirectory(db, appointments, circleModels);
    const epochClaims = await MlsEpochClaims.bind(db.connection);
    notifications.scheduler.alsoEachPass('mls epoch claims', async (now) => {
      const removed = await epochClaims.sweep(now.getTime());
      if (removed > 0) log.info({ removed }, 'epoch claims of rooms long quiet removed');
    });
    const live = createLiveSession({
      redis,
      epochClaims,
      mediaRooms,
      sessions,
      notifier,
      attendance,
      turn: new TurnCredentials(turnSettings(config)),
      log,
    });
    await live.serving.start();
    cleanups.push(() => live.serving.close());
    const presence = new PresenceService(redis, config.PRESENCE_TTL_SECONDS * 1000);

    const metrics = createMetrics({
      connections: () => io.engine.clientsCount,
      rooms: () => mediaRooms.size,
      nodePipes: () => mediaRooms.pipeStats ?? { open: 0, died: 0 },
    });
    const rateLimited = createRateLimitedCounter(metrics);
    registerSocketFeatures(io, {
      auth,
      appointments,
      presence,
      notices,
      live,
      limits: new RequestLimiter(redis, rateLimited, config.REQUEST_BUDGET_SCALE, config.REQUEST_BUDGET_TIME_SCALE),
      maxConnectionsPerUser: config.SOCKETS_PER_USER,
      rateLimited,
      log: log.child({ component: 'socket' }),
    });

    const accountsLog = log.child({ component: 'accounts' });
    const invites = new InviteService(db, accountModels.invites, overrides.inviteDelivery ?? inviteDeliveryFor(config, mail.mailer, accountsLog), {
      ttlHours: config.INVITE_TTL_HOURS,
      publicUrl: () => appUrl,
      agencyUnits: config.AGENCY_UNITS,
      now: () => new Date(),
    }, accountsLog);
    const users = new UserAdminService(db, auth, redis, accountsLog);
    const schedulingModels = await SchedulingModels.bind(db);
    const reportCounts = new ReportCounts(db, {
      cancelled: schedulingModels.cancelledAppointments,
      attendance: accountModels.attendance,
      circleAttendance: accountModels.circleAttendance,
      retirements: accountModels.circleRetirements,
      meetings: circleModels.meetings,
      circles: circleModels.circles,
    });
    const reports = new ReportService(reportCounts, schedulingModels.availabilities, { minCount: config.REPORT_MIN_COUNT, now: overrides.reportClock ?? (() => new Date()) });
    const allowanceCounts = new AllowanceCounts(db, scheduling.models.allowanceSeats, scheduling.models.allowanceGrants, {
      minCount: config.REPORT_MIN_COUNT,
      perYear: config.ALLOWANCE_SESSIONS_PER_YEAR,
      now: overrides.reportClock ?? (() => new Date()),
    });
    const referralFeedback = await createReferralFeedback({
      db,
      attendance: accountModels.attendance,
      mailer: mail.mailer,
      appUrl: () => appUrl,
      log: log.child({ component: 'referrals' }),
    });
    if (config.SEED_DEMO) await seedDemoReferral(db, referralFeedback.models.referrals, log, { outsideTests: config.NODE_ENV !== 'test' });
    const programmeReport = new ProgrammeReport(
      db,
      { ...referralFeedback.models, held: referralFeedback.held },
      { minCount: config.REPORT_MIN_COUNT, now: overrides.reportClock ?? (() => new Date()) },
    );
    const inviteCounts = new InviteCounts(db, accountModels.invites, { minCount: config.REPORT_MIN_COUNT, now: () => new Date() });
    const lookup = new AccountLookup(db, invites, accountsLog);
    const retirement = new CircleRetirement({
      db,
      models: circleModels,
      circleAttendance: accountModels.circleAttendance,
      retirements: accountModels.circleRetirements,
      ledger: notifications.ledger,
      log: log.child({ component: 'circles' }),
    });
    notifications.scheduler.alsoEachPass('circle retirement', async (now) => {
      await retirement.sweep(now);
    });

    const cookiesSecure = secureCookies(config);
    const httpApp = createHttpApp({
      api: {
        '/auth': authRoutes({ auth, passwordResets, secureCookies: cookiesSecure }),
        '/appointments': appointmentRoutes(auth, appointments),
        '/sessions': sessionRoutes(auth, sessions),
        '/scheduling': schedulingRoutes({ auth, scheduling, calendarFiles: notifications.calendarFiles }),
        '/programme': programmeRoutes(auth, programme),
        '/referrals': referralRoutes(auth, referralFeedback.referrals, redis),
        '/feedback': feedbackRoutes(auth, referralFeedback.feedback),
        '/circles': circleRoutes({ auth, circles, calendarFiles: notifications.circleCalendarFiles }),
        '/network-check': networkCheckRoutes({ auth, redis, refusals: rateLimited, log: log.child({ component: 'network-check' }) }),
        '/help-lines': helpLineRoutes(config.CRISIS_HOTLINES),
        ...(mail.outbox ? { '/dev/outbox': devOutboxRoutes(auth, mail.outbox) } : {}),
        ...(config.SEED_DEMO ? { '/dev/demo-device': demoDeviceRoutes(auth) } : {}),
        '/account/notifications': notificationSettingsRoutes(auth, notifications.preferences),
        '/account': accountSecurityRoutes(auth, totp, cookiesSecure),
        '/invites': inviteRoutes(invites, limits.invite),
        '/admin': adminRoutes({ auth, invites, inviteCounts, lookup, users, reports, allowanceCounts, programmeReport, redis }),
      },
      health: healthRoutes({
        redis,
        db,
        mediaWorkers: mediaReady,
        metrics,
        metricsAccess: metricsAccess({ allow: config.METRICS_ALLOW, token: config.METRICS_TOKEN }),
        redisPrimaryConfirmed: () => fence.serving,
      }),
      webBuildDir: config.WEB_BUILD_DIR,
      helpLines: config.CRISIS_HOTLINES,
      csrf: requireCsrfToken(auth, sessionlessApiPaths),
      largeBodies: { '/admin/invites/csv': '300kb' },
      origins,
      trustedProxies: config.TRUSTED_PROXIES,
      log,
    });
    // Listening since before Socket.IO attached, so Engine.IO answers its own path and Express the rest.
    served.app = httpApp;

    const port = await listen(httpServer, config, log);
    origins.listening(config.HOST, port);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        }),
    );
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const url = config.PUBLIC_URL ?? `http://${host === '127.0.0.1' ? 'localhost' : host}:${port}`;
    appUrl = url.replace(/\/+$/, '');
    notifications.scheduler.start();
    cleanups.push(() => notifications.stop());
    log.info({ port, mediaPorts: pool?.ports(), role: config.CARE_ROLE }, 'CARE ASN server listening');
    return {
      url,
      port,
      db,
      redis,
      io,
      notifier,
      http: httpApp,
      get pool() {
        if (!pool) throw new Error('this node runs no media workers (CARE_ROLE=signal)');
        return pool;
      },
      get media() {
        if (!registry) throw new Error('this node hosts no media rooms (CARE_ROLE=signal)');
        return registry;
      },
      mediaRooms,
      notifications,
      live,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The rooms' media for this node's role: its own workers (CARE_ROLE=all), or
 * media nodes reached over their control channels (CARE_ROLE=signal).
 * `mediaReady` counts what can take rooms now (workers, or media nodes up).
 */
async function mediaForRole(
  config: Config,
  redis: Redis,
  log: Logger,
): Promise<{ pool?: WorkerPool; registry?: RoomRegistry; mediaRooms: MediaRooms; mediaReady: () => number }> {
  if (config.CARE_ROLE === 'signal') {
    if (!config.MEDIA_CONTROL_SECRET) throw new Error('MEDIA_CONTROL_SECRET is required for a signal node');
    const remote = new RemoteMediaRooms(new MediaNodeRegistry(redis), config.MEDIA_CONTROL_SECRET, log.child({ component: 'media-nodes' }), {
      spillLoad: config.MEDIA_NODE_SPILL_LOAD,
      peersPerNode: config.MEDIA_ROOM_PEERS_PER_NODE,
    }, controlTlsClient(config));
    return { mediaRooms: remote, mediaReady: () => remote.nodesUp };
  }
  const pool = await WorkerPool.create(mediaSettings(config), log);
  const registry = new RoomRegistry(pool, mediaSettings(config), log);
  // A worker that dies here takes no session with it: its rooms are rebuilt on a running worker (local-room-media.ts).
  return { pool, registry, mediaRooms: new LocalMediaRooms(registry, { rebuildOnWorkerDeath: true }), mediaReady: () => pool.size };
}

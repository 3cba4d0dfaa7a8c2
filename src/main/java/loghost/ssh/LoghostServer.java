package loghost.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import loghost.audit.AuditTrail;
import loghost.config.Settings;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.metrics.ServerMetrics;
import loghost.seal.ReceiptSigner;
import loghost.store.LogStore;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * serve's SSH side: one key, one host, one command, on the shared session workers. Built and stopped by
 * {@code loghost.serve.Serve} around the store and the audit trail it owns.
 */
public final class LoghostServer {

    private static final Logger LOG = LoggerFactory.getLogger(LoghostServer.class);

    private final SshServer sshd;
    private final EnrolledKeysAuthenticator authenticator;
    private final AuthenticatedConnections connections;
    private final SessionWorkers workers;
    private final int enrolledKeys;

    private LoghostServer(SshServer sshd, EnrolledKeysAuthenticator authenticator,
                          AuthenticatedConnections connections, SessionWorkers workers, int enrolledKeys) {
        this.sshd = sshd;
        this.authenticator = authenticator;
        this.connections = connections;
        this.workers = workers;
        this.enrolledKeys = enrolledKeys;
    }

    /**
     * Builds the SSH server with {@code hostKey} over {@code store}, refusing into {@code audit} and {@code metrics},
     * and starts it; returns once it listens.
     */
    public static LoghostServer start(Settings settings, Path data, KeyPair hostKey, String fingerprint,
            LogStore store, AuditTrail audit, ServerMetrics metrics) throws IOException {
        Refusals refusals = new Refusals(audit, metrics);
        EnrolledKeysAuthenticator authenticator = new EnrolledKeysAuthenticator(new EnrolledKeysFile(data), refusals);
        EnrolledKeys keys;
        try {
            keys = authenticator.loadInitial();
        } catch (IllegalArgumentException e) {
            throw new IOException("enrolled keys file " + data.resolve(EnrolledKeysFile.NAME) + " is invalid: "
                    + e.getMessage(), e);
        }
        ActiveSessions sessions = new ActiveSessions(settings.ssh().maxSessionsPerHost(), authenticator, metrics);
        AuthenticatedConnections connections = new AuthenticatedConnections(refusals,
                settings.ssh().maxConnectionsPerHost());
        int maxLine = settings.store().maxLineBytes();
        ReceiptSigner receipts = ReceiptSigner.of(hostKey, fingerprint);
        SessionWorkers workers = new SessionWorkers();
        JournalPositionRate positionRate = new JournalPositionRate();
        CommandRouter router = new CommandRouter(
                channel -> new AppendLogCommand(store, sessions, maxLine, refusals, metrics, workers),
                channel -> new AckedAppendCommand(store, sessions, maxLine, refusals, metrics, receipts, workers),
                channel -> new JournalAppendCommand(store, sessions, maxLine, refusals, metrics, workers),
                (channel, id) -> new JournalPositionCommand(store, sessions, refusals, workers, positionRate, id),
                new CommandRouter.FileCommands() {
                    @Override
                    public Command append(ChannelSession channel, String name) {
                        return new FileAppendCommand(store, sessions, maxLine, refusals, metrics, workers, name);
                    }

                    @Override
                    public Command position(ChannelSession channel, List<PushedFile> files) {
                        return new FilePositionCommand(store, sessions, refusals, workers, files);
                    }
                },
                refusals);
        SshServer sshd = SshSurface.build(settings, hostKey, authenticator, router, connections, refusals);
        try {
            sshd.start();
        } catch (IOException e) {
            // "Address already in use" alone does not say which address.
            throw new IOException("cannot listen on " + settings.listen().getHostString() + ":"
                    + settings.listen().getPort() + ": " + e.getMessage(), e);
        }
        return new LoghostServer(sshd, authenticator, connections, workers, keys.all().size());
    }

    /** The address the server listens on, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return new InetSocketAddress(sshd.getHost(), sshd.getPort());
    }

    /** Keys enrolled when the server started. */
    public int enrolledKeysAtStart() {
        return enrolledKeys;
    }

    /** The periodic revocation sweep: re-reads the enrolled keys if they changed, closing revoked keys' sessions. */
    public void closeRevokedSessions() {
        connections.closeRevoked(authenticator.reloadIfChanged());
    }

    /** SIGHUP: re-reads the enrolled keys now (closing revoked keys' sessions) and applies the live timeouts. */
    public void reload(Settings next) {
        connections.closeRevoked(authenticator.reloadNow());
        // MINA reads these through the server's properties at each check: live for new and open sessions alike.
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, next.ssh().authTimeout());
        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, next.ssh().idleTimeout());
    }

    /**
     * Stops listening and closes every session at once, waiting at most {@code within} for MINA to confirm it;
     * false when it did not (the sessions' workers are drained all the same, see {@link #drain}).
     */
    public boolean stopAccepting(Duration within) {
        workers.markStopping();
        // MINA's own wait for its closing sessions (a minute by default) is part of the stop budget.
        CoreModuleProperties.STOP_WAIT_TIME.set(sshd, within.isZero() ? Duration.ofMillis(1) : within);
        try {
            sshd.stop(true);
            return true;
        } catch (IOException e) {
            // A timeout, or a failure to close: the sessions' workers are drained and the logs closed all the same.
            LOG.warn("ssh-stop-unconfirmed reason={}", Refusals.quote(e.toString()));
            return false;
        }
    }

    /**
     * Lets the sessions just closed store and sync what they received, for at most {@code within}; false when some
     * still ran then (what they had not synced is synced with the logs, unless it was never appended).
     */
    public boolean drain(Duration within) throws InterruptedException {
        return workers.close(within);
    }
}

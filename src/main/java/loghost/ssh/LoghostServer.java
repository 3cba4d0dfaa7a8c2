package loghost.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import loghost.config.Settings;
import loghost.keys.EnrolledKeys;
import loghost.keys.EnrolledKeysFile;
import loghost.store.LogStore;
import loghost.store.StorageException;
import loghost.store.StoreFiles;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The loghost SSH server, wired from {@link Settings}: one key, one host, one command. */
public final class LoghostServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LoghostServer.class);

    private final SshServer sshd;
    private final LogStore store;
    private final ScheduledExecutorService timers;
    private final String hostKeyFingerprint;
    private final int enrolledKeys;

    private LoghostServer(SshServer sshd, LogStore store, ScheduledExecutorService timers, String fingerprint,
                          int enrolledKeys) {
        this.sshd = sshd;
        this.store = store;
        this.timers = timers;
        this.hostKeyFingerprint = fingerprint;
        this.enrolledKeys = enrolledKeys;
    }

    /** Builds and starts the server; returns once it listens. */
    public static LoghostServer start(Settings settings) throws IOException, GeneralSecurityException {
        Path data = settings.dataDir().toAbsolutePath();
        StoreFiles.createPrivateDirectory(data);
        KeyPair hostKey = HostKey.loadOrCreate(data);
        EnrolledKeysAuthenticator authenticator = new EnrolledKeysAuthenticator(new EnrolledKeysFile(data));
        EnrolledKeys keys;
        try {
            keys = authenticator.loadInitial();
        } catch (IllegalArgumentException e) {
            throw new IOException("enrolled keys file " + data.resolve(EnrolledKeysFile.NAME) + " is invalid: "
                    + e.getMessage(), e);
        }
        if (settings.store().digest().legacy()) {
            LOG.warn("legacy-digest digest={}: collisions can be forged; use sha256 or sha512 for new hosts",
                    settings.store().digest().headerName());
        }
        LogStore store = new LogStore(data.resolve("hosts"), settings.store().digest(), Clock.systemUTC());
        int chains = store.recoverAll();
        LOG.info("store-open hosts={} dir={}", chains, data.resolve("hosts"));
        ActiveSessions sessions = new ActiveSessions(settings.ssh().maxSessionsPerHost());
        boolean syncEachWrite = settings.store().fsyncInterval().isZero();
        int maxLine = settings.store().maxLineBytes();

        SshServer sshd = ServerBuilder.builder()
                .cipherFactories(CryptoPolicy.ciphers())
                .macFactories(CryptoPolicy.macs())
                .keyExchangeFactories(CryptoPolicy.keyExchanges())
                .signatureFactories(CryptoPolicy.signatures())
                .compressionFactories(CryptoPolicy.compressions())
                .build();
        sshd.setHost(settings.listen().getHostString());
        sshd.setPort(settings.listen().getPort());
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        sshd.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        sshd.setPublickeyAuthenticator(authenticator);
        sshd.setPasswordAuthenticator(null);
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setHostBasedAuthenticator(null);
        sshd.setGSSAuthenticator(null);
        List<ChannelFactory> channels = new ArrayList<>();
        channels.add(AppendOnlyChannel.FACTORY);
        channels.addAll(RefusedChannelType.ALL);
        sshd.setChannelFactories(channels);
        sshd.setForwardingFilter(RefuseForwarding.INSTANCE);
        sshd.setAgentFactory(null);
        sshd.setSubsystemFactories(List.of());
        CommandRouter router = new CommandRouter(
                channel -> new AppendLogCommand(store, sessions, maxLine, syncEachWrite));
        sshd.setCommandFactory(router);
        sshd.setShellFactory(router);
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, settings.ssh().authTimeout());
        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, settings.ssh().idleTimeout());
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(sshd, settings.ssh().maxAuthRequests());
        // Do not advertise the SSH library and version to scanners.
        CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, "loghost");

        ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loghost-timers");
            t.setDaemon(true);
            return t;
        });
        Duration fsync = settings.store().fsyncInterval();
        if (!fsync.isZero()) {
            timers.scheduleWithFixedDelay(store::syncAll, fsync.toMillis(), fsync.toMillis(), TimeUnit.MILLISECONDS);
        }
        long reload = settings.ssh().keysReloadInterval().toMillis();
        timers.scheduleWithFixedDelay(() -> sessions.closeRevoked(authenticator.reloadIfChanged()), reload, reload,
                TimeUnit.MILLISECONDS);
        try {
            sshd.start();
        } catch (IOException | RuntimeException e) {
            timers.shutdownNow();
            throw e;
        }
        return new LoghostServer(sshd, store, timers, KeyUtils.getFingerPrint(hostKey.getPublic()),
                keys.all().size());
    }

    /** The address the server listens on, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return new InetSocketAddress(sshd.getHost(), sshd.getPort());
    }

    /** The host key's SHA256 fingerprint, as {@code ssh-keygen -lf} prints it. */
    public String hostKeyFingerprint() {
        return hostKeyFingerprint;
    }

    /** Keys enrolled when the server started. */
    public int enrolledKeysAtStart() {
        return enrolledKeys;
    }

    /** Stops accepting, ends sessions, syncs and closes every log. */
    @Override
    public void close() throws IOException, StorageException {
        timers.shutdownNow();
        try {
            sshd.stop(true);
        } finally {
            store.close();
        }
    }
}

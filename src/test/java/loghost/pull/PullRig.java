package loghost.pull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import loghost.audit.AuditTrail;
import loghost.config.PullSettings;
import loghost.config.Settings;
import loghost.config.SettingsLoader;
import loghost.store.DigestAlgorithm;
import loghost.store.LogStore;
import loghost.store.StorageException;
import loghost.testing.HostRecords;
import loghost.testing.Stores;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/** A loghost's store and audit trail as serve holds them, with pull sources on it. */
final class PullRig implements AutoCloseable {

    final Path data;
    final LogStore store;
    final AuditTrail audit;
    final Settings settings = SettingsLoader.load(null);
    private boolean closed;

    PullRig(Path data) throws IOException, StorageException {
        this.data = Files.createDirectories(data);
        this.store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, Clock.systemUTC());
        this.audit = new AuditTrail(store.host("_loghost"), 20);
    }

    /** A source on this store, reconnecting after 200 ms to 1 s. */
    PullSource source(PullSettings.Source s) throws IOException {
        PullSettings ps = new PullSettings(List.of(s), Duration.ofMillis(200), Duration.ofSeconds(1),
                settings.pull().collectMaxBytes());
        return new PullSource(s, ps, settings, store, audit, Files.createDirectories(data.resolve("pull")));
    }

    /** The newest seq of {@code host} (-1 when it cannot be opened). */
    long seq(String host) {
        try {
            return store.host(host).lastSeq();
        } catch (StorageException e) {
            return -1;
        }
    }

    /** A source configuration for {@code h}, filed under {@code host}. */
    static PullSettings.Source source(SourceHost h, String host, String knownHost, List<String> follow,
            List<String> collect) throws Exception {
        PublicKey key = PublicKeyEntry.parsePublicKeyEntry(knownHost).resolvePublicKey(null, Map.of(), null);
        return new PullSettings.Source(host, "127.0.0.1", h.port(), System.getProperty("user.name"), h.clientKey(),
                key, follow, true, collect, Duration.ofHours(1), false);
    }

    /** The messages of the pulled {@code log} records of {@code host}, in chain order. */
    static List<String> pulledLines(Path data, String host) throws IOException {
        List<String> out = new ArrayList<>();
        for (HostRecords.Rec r : HostRecords.read(data, host)) {
            if (r.type().equals("log") && r.meta().contains(",c=pull.")) {
                out.add(r.text());
            }
        }
        return out;
    }

    /** The audit records' messages. */
    List<String> auditMessages() throws IOException {
        return HostRecords.read(data, "_loghost").stream().map(HostRecords.Rec::text).toList();
    }

    @Override
    public void close() throws Exception {
        if (!closed) {
            closed = true;
            audit.close();
            store.close();
        }
    }
}

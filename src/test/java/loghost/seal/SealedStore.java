package loghost.seal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import loghost.store.DigestAlgorithm;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.testing.ManualClock;
import loghost.testing.Stores;
import loghost.verify.DataDirectoryCheck;
import loghost.verify.SealCheck;
import loghost.verify.VerifyReport;

/** A store written and sealed by the real LogStore and Sealer in this JVM, on a clock the test moves. */
final class SealedStore implements AutoCloseable {

    final Path data;
    final ManualClock clock;
    final VerificationKey key;
    LogStore store;
    Sealer sealer;

    SealedStore(Path data, String start) throws Exception {
        this.data = data;
        this.clock = new ManualClock(start);
        this.key = Sealer.init(data, clock);
        open();
    }

    /** Opens the store and the sealer as a starting server does. */
    void open() throws Exception {
        store = Stores.open(data.resolve("hosts"), DigestAlgorithm.SHA256, clock);
        store.recoverAll();
        sealer = Sealer.open(data, store, clock);
    }

    /** Appends {@code n} lines to {@code host}'s chain, as one session, at the clock's time. */
    void lines(String host, int n, String text) throws Exception {
        LineBatch b = new LineBatch(true);
        for (int i = 0; i < n; i++) {
            byte[] line = (text + " " + i).getBytes(StandardCharsets.UTF_8);
            b.add(RecordType.LOG, line, 0, line.length);
        }
        store.host(host).append(b);
    }

    /** Moves the clock to {@code instant} and ends the epoch there. */
    void closeEpochAt(String instant) throws Exception {
        clock.set(instant);
        sealer.closeEpoch();
    }

    /** Closes the store as a crash would leave it (nothing sealed, the key left on disk). */
    void crash() throws Exception {
        store.close();
        store = null;
        sealer = null;
    }

    @Override
    public void close() throws Exception {
        if (store != null) {
            store.close();
        }
    }

    /** {@code loghost verify --key} over the whole store, in this JVM. */
    static VerifyReport verify(Path data, VerificationKey key, Instant sealedUntil) {
        VerifyReport r = new VerifyReport();
        DataDirectoryCheck.verify(data, false, (f, s) -> { }, new SealCheck(data, key, sealedUntil, r), r);
        return r;
    }

    /** The report's findings and summary, one per line, as verify prints them. */
    static String text(VerifyReport r) {
        StringBuilder s = new StringBuilder();
        r.findings().forEach(f -> s.append(f).append('\n'));
        return s.append(r.summary()).append('\n').toString();
    }

}

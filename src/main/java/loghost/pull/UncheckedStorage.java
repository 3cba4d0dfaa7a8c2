package loghost.pull;

import java.util.function.Consumer;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.StorageException;

/** A storage failure carried out of a pulled source's sink, which may throw only I/O and pull failures. */
final class UncheckedStorage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UncheckedStorage(StorageException cause) {
        super(cause);
    }

    @Override
    public synchronized StorageException getCause() {
        return (StorageException) super.getCause();
    }

    /** Appends {@code batch} (when it holds anything) to {@code log}, tells {@code stored} the records, empties it. */
    static void append(HostLog log, LineBatch batch, Consumer<Long> stored) {
        if (batch.count() == 0) {
            return;
        }
        try {
            stored.accept((long) log.append(batch).records());
        } catch (StorageException e) {
            throw new UncheckedStorage(e);
        } finally {
            batch.clear();
        }
    }
}

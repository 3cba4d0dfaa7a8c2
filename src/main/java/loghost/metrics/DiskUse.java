package loghost.metrics;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes of the files under {@code DATA/hosts}, measured on demand (a scrape) but at most once per {@code maxAge}:
 * the walk costs one stat per day file, so frequent scrapes of a large store reuse the last figure.
 */
final class DiskUse {

    private static final Logger LOG = LoggerFactory.getLogger(DiskUse.class);

    private final Path dir;
    private final Duration maxAge;
    private final Clock clock;
    private Instant measuredAt;
    private double bytes;

    DiskUse(Path dir, Duration maxAge, Clock clock) {
        this.dir = dir;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** The total, measured now if the last figure is older than {@code maxAge}. */
    synchronized double bytes() {
        Instant now = clock.instant();
        if (measuredAt == null || !now.isBefore(measuredAt.plus(maxAge))) {
            bytes = measure();
            measuredAt = now;
        }
        return bytes;
    }

    private double measure() {
        long[] total = {0};
        try {
            // Symbolic links are not followed: only what is stored here counts.
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    // A file removed during the walk (a day file compressed, say) is simply not counted.
                    if (!(e instanceof NoSuchFileException)) {
                        LOG.warn("disk-use-unreadable path={} reason=\"{}\"", file, e.getMessage());
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("disk-use-failed dir={} reason=\"{}\"", dir, e.getMessage());
            return Double.NaN; // no figure rather than a wrong one
        }
        return total[0];
    }
}

package loghost.config;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * The pull sources of {@code loghost.pull} (README, "Pull mode"), read with every other setting through
 * {@link SettingsTable}: {@link Settings#pull()}. A running {@code serve} applies none of them on SIGHUP.
 */
public record PullSettings(List<Source> sources, Duration backoffMin, Duration backoffMax, long collectMaxBytes) {

    /** One source: {@code host} is the identity its records are filed under, whatever the remote says. */
    public record Source(String host, String address, int port, String user, Path key, PublicKey knownHost,
            List<String> follow, boolean fromStart, List<String> collect, Duration collectInterval,
            boolean journal) {

        /** The SHA256 fingerprint of the configured host key. */
        public String knownHostFingerprint() {
            return KeyUtils.getFingerPrint(knownHost);
        }
    }

    /** The same settings without any source (a {@code pull --once} run holds the lock with none started). */
    public PullSettings withoutSources() {
        return new PullSettings(List.of(), backoffMin, backoffMax, collectMaxBytes);
    }

    /** The source filed under {@code host}, or null. */
    public Source source(String host) {
        return sources.stream().filter(s -> s.host().equals(host)).findFirst().orElse(null);
    }
}

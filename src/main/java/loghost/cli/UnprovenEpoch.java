package loghost.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import loghost.housekeeping.LastSeen;

/**
 * The newest epoch, which no checkpoint proves (docs/FORMAT.md, "Verifying seals"): since when, after which
 * checkpoint, and whether that is older than a sealing server ever leaves it (two epochs plus 5 minutes).
 */
record UnprovenEpoch(String since, long afterEpoch, State state) {

    /** How much later than two epochs a checkpoint may come before status calls the seals stale. */
    private static final Duration STALE_MARGIN = Duration.ofMinutes(5);

    /** ok; STALE: no checkpoint for too long; FUTURE: the last one ends after this clock; OFF: sealing off. */
    enum State {
        OK("ok"),
        STALE("STALE (no checkpoint for more than two epochs plus 5 minutes)"),
        FUTURE("FUTURE (the last checkpoint ends more than 5 minutes after this machine's clock: a clock that"
                + " jumped ahead; a cut of the newest checkpoints cannot show until then)"),
        OFF("off (loghost.seal.enabled = false: no checkpoint is due)");

        final String text;

        State(String text) {
            this.text = text;
        }

        /** A state a check should warn about. */
        boolean warns() {
            return this == STALE || this == FUTURE;
        }

        /** The word of the JSON and of the Nagios line. */
        String word() {
            return name().equals("OK") || name().equals("OFF") ? name().toLowerCase(java.util.Locale.ROOT)
                    : name();
        }
    }

    /** True when a check should warn. */
    boolean stale() {
        return state.warns();
    }

    // Read from the files as the server wrote them (status checks no signature: verify does); null without a
    // seal chain.
    static UnprovenEpoch read(Path data, Duration epoch, boolean sealing, Instant now) throws IOException {
        if (!loghost.seal.Sealer.exists(data)) {
            return null;
        }
        loghost.seal.SealBlock last = loghost.seal.Sealer.lastBlock(data);
        if (last == null) {
            throw new IOException("seal: no complete checkpoint block (run loghost verify)");
        }
        boolean genesis = last.kind() == loghost.seal.SealBlock.Kind.GENESIS;
        String since = genesis ? last.start() : last.end();
        Duration limit = epoch.multipliedBy(2).plus(STALE_MARGIN);
        Instant at = loghost.seal.SealBlock.instant(since);
        State state = !sealing ? State.OFF : Duration.between(at, now).compareTo(limit) > 0 ? State.STALE
                : at.isAfter(now.plus(STALE_MARGIN)) ? State.FUTURE : State.OK;
        return new UnprovenEpoch(since, genesis ? 0 : last.epoch(), state);
    }

    /** The line of the table: greppable, ending in the state. */
    String line(int hosts) {
        return "seal: unproven since " + since + " (after " + (afterEpoch == 0 ? "the genesis block"
                : "checkpoint " + afterEpoch) + "; " + hosts + " host" + (hosts == 1 ? "" : "s")
                + " wrote since): " + state.text;
    }

    /** True when {@code s}'s last record is after the last checkpoint: that host's newest records are unproven. */
    boolean covers(LastSeen s) {
        return s.record() != null && s.record().isAfter(loghost.seal.SealBlock.instant(since));
    }
}

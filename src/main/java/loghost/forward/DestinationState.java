package loghost.forward;

/**
 * What the spool knows of one destination's delivery: the stream it is delivered as, the highest spool cseq it
 * acknowledged, and what the lag rule decided for it. Not thread-safe: only {@link Destinations} touches it, under
 * the lock of the {@link Spool} that holds them; a sender asks the spool ({@link Spool#identity}) instead of reading
 * it, so the one {@link Destination} object its threads share holds nothing mutable but volatile flags.
 */
final class DestinationState {

    StreamIdentity identity;
    long acked;
    long droppedUpTo;
    boolean lagging;
    long lackCseq = -1;
    long lackMillis;

    DestinationState(StreamIdentity identity, long acked) {
        this.identity = identity;
        this.acked = acked;
    }
}

package loghost.store;

/**
 * The META field's grammar (docs/FORMAT.md, "META attributes"), checked in place without allocating, with the
 * attributes a verifier needs afterwards: the {@code s=} value, whether {@code c=} is present, the {@code t=} value.
 */
final class MetaField {

    private byte[] buf;
    private int metaStart;
    private long session;
    private boolean clientStream;
    private long eventMicros;

    /**
     * META beyond its character set: {@code -}, or {@code KEY=VALUE} items joined by single commas; KEY
     * {@code [a-z][a-z0-9_]*}, VALUE {@code [a-z0-9._:-]+}, no key twice; {@code s} before {@code c} before
     * {@code t}; {@code s=} a SEQ-like number, {@code c=STREAM:CSEQ}, {@code t=} seconds with 3 or 6 fraction digits.
     * Other keys pass (forward compatibility). True when it fits.
     */
    boolean parse(byte[] buf, int metaStart, int metaEnd) {
        this.buf = buf;
        this.metaStart = metaStart;
        session = 0;
        clientStream = false;
        eventMicros = -1;
        if (metaEnd - metaStart == 1 && buf[metaStart] == '-') {
            return true;
        }
        int p = metaStart;
        while (true) {
            int keyStart = p;
            if (p >= metaEnd || buf[p] < 'a' || buf[p] > 'z') {
                return false;
            }
            p++;
            while (p < metaEnd && ((buf[p] >= 'a' && buf[p] <= 'z') || (buf[p] >= '0' && buf[p] <= '9')
                    || buf[p] == '_')) {
                p++;
            }
            int keyEnd = p;
            if (p >= metaEnd || buf[p] != '=') {
                return false;
            }
            int valueStart = ++p;
            while (p < metaEnd && buf[p] != ',') {
                if (buf[p] == '=') {
                    return false;
                }
                p++;
            }
            int valueEnd = p;
            if (valueEnd == valueStart || keyUsedBefore(keyStart, keyEnd)) {
                return false;
            }
            boolean oneLetter = keyEnd - keyStart == 1;
            if (oneLetter && (buf[keyStart] == 's' || buf[keyStart] == 'c') && eventMicros >= 0) {
                return false; // t comes after s and c
            }
            if (oneLetter && buf[keyStart] == 's') {
                if (clientStream) {
                    return false;
                }
                session = decimal(valueStart, valueEnd, 18);
                if (session <= 0) {
                    return false;
                }
            } else if (oneLetter && buf[keyStart] == 'c') {
                if (!validClientValue(valueStart, valueEnd)) {
                    return false;
                }
                clientStream = true;
            } else if (oneLetter && buf[keyStart] == 't') {
                eventMicros = eventTime(valueStart, valueEnd);
                if (eventMicros < 0) {
                    return false;
                }
            }
            if (p == metaEnd) {
                return true;
            }
            p++;
        }
    }

    // True when an item before keyStart has the key buf[keyStart, keyEnd).
    private boolean keyUsedBefore(int keyStart, int keyEnd) {
        int q = metaStart;
        while (q < keyStart) {
            int k = q;
            while (buf[q] != '=') {
                q++;
            }
            if (q - k == keyEnd - keyStart && java.util.Arrays.equals(buf, k, q, buf, keyStart, keyEnd)) {
                return true;
            }
            while (buf[q] != ',') {
                q++;
            }
            q++;
        }
        return false;
    }

    // STREAM:CSEQ with STREAM a stream id (loghost.names.StreamId, checked byte by byte here: the hot path) and
    // CSEQ [1-9][0-9]{0,18} at most 2^63-1.
    private boolean validClientValue(int start, int end) {
        int colon = start;
        while (colon < end && buf[colon] != ':') {
            colon++;
        }
        if (colon == start || colon == end || colon - start > 64) {
            return false;
        }
        for (int i = start; i < colon; i++) {
            byte c = buf[i];
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && (i == start || (c != '.' && c != '_' && c != '-'))) {
                return false;
            }
        }
        return decimal(colon + 1, end, 19) > 0;
    }

    // [0-9]{1,11}\.([0-9]{3}|[0-9]{6}) as microseconds since the epoch, or -1.
    private long eventTime(int start, int end) {
        int dot = start;
        while (dot < end && buf[dot] != '.') {
            dot++;
        }
        int fraction = end - dot - 1;
        if (dot == start || dot - start > 11 || (fraction != 3 && fraction != 6)) {
            return -1;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            if (i == dot) {
                continue;
            }
            if (buf[i] < '0' || buf[i] > '9') {
                return -1;
            }
            v = v * 10 + (buf[i] - '0');
        }
        return fraction == 3 ? v * 1000 : v;
    }

    // The value of buf[start, end) as [1-9][0-9]{0,maxDigits-1} not above Long.MAX_VALUE, or -1.
    private long decimal(int start, int end, int maxDigits) {
        if (end <= start || end - start > maxDigits || buf[start] == '0') {
            return -1;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            if (buf[i] < '0' || buf[i] > '9') {
                return -1;
            }
            int d = buf[i] - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** The {@code s=} value, or 0 when there is none. */
    long session() {
        return session;
    }

    /** The {@code t=} value in microseconds since the epoch, or -1 when there is none. */
    long eventMicros() {
        return eventMicros;
    }

    /** True when a {@code c=} attribute is present. */
    boolean hasClientSeq() {
        return clientStream;
    }
}

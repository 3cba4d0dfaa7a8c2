package loghost.ssh;

import java.util.ArrayDeque;

/**
 * A session's input between MINA's I/O thread, which queues a copy of each packet's data, and the worker that
 * handles it: the queued pieces, how the input ended, and whether a turn is scheduled, all under this object's
 * lock. Whoever is told to schedule a turn schedules exactly one; the next may be scheduled only once that turn
 * has called {@link #turnEnded}, so no two workers ever handle one session at once.
 */
final class SessionInbox {

    /** Room of a queued piece that small packets share, so the inbox's memory follows the bytes received. */
    private static final int CHUNK = 8192;

    /** How the input of a session ended: the word in {@code session-end}/{@code stream-end}. */
    enum InputEnd {
        EOF("eof"), LOST("connection-lost"), CLOSED("closed-by-server");

        final String word;

        InputEnd(String word) {
            this.word = word;
        }
    }

    /** What the worker takes next: input {@code buf[0, length)}, or the input's end, or (both null) nothing. */
    record Taken(byte[] buf, int length, InputEnd end) {
    }

    private final ArrayDeque<Piece> pieces = new ArrayDeque<>();
    private InputEnd inputEnd;
    private boolean started;
    private boolean scheduled;
    private boolean finished;

    /** The command starts: the first turn, which checks the key before any input is looked at, is to be scheduled. */
    synchronized void start() {
        // MINA may hand over data received before the command started: it waited here for this.
        started = true;
        scheduled = true;
    }

    /** What {@link #add} did with a packet's data. */
    enum Added {
        /** The session is over: the data is dropped (its window is not held back). */
        DROPPED,
        /** Queued; a turn is scheduled already or the command has not started. */
        QUEUED,
        /** Queued; the caller must schedule a turn. */
        SCHEDULE
    }

    /** Queues a copy of {@code buf[start, start + len)}, len above 0, unless the session is over. */
    synchronized Added add(byte[] buf, int start, int len) {
        if (finished || inputEnd != null) {
            return Added.DROPPED;
        }
        // A packet goes into the last queued piece when it has room (no worker holds a queued piece), else
        // into a new one of at least CHUNK bytes: queued memory stays within twice the bytes queued plus one
        // CHUNK (and those bytes within the window), however small the client makes its packets.
        Piece last = pieces.peekLast();
        if (last == null || last.buf.length - last.length < len) {
            last = new Piece(new byte[Math.max(len, CHUNK)]);
            pieces.add(last);
        }
        System.arraycopy(buf, start, last.buf, last.length, len);
        last.length += len;
        return schedule() ? Added.SCHEDULE : Added.QUEUED;
    }

    /** No more input comes, ended {@code how} (the first ending counts); true when the caller must schedule a turn. */
    synchronized boolean end(InputEnd how) {
        if (inputEnd != null || finished) {
            return false;
        }
        inputEnd = how;
        return schedule();
    }

    private boolean schedule() {
        if (scheduled || !started) {
            return false;
        }
        scheduled = true;
        return true;
    }

    /** For the worker: the next piece, else the input's end if it ended, else nothing; null once finished. */
    synchronized Taken take() {
        if (finished) {
            return null;
        }
        Piece piece = pieces.poll();
        if (piece == null) {
            return new Taken(null, 0, inputEnd);
        }
        return new Taken(piece.buf, piece.length, null); // out of the queue, the piece grows no more
    }

    /** Whether input is queued. */
    synchronized boolean more() {
        return !pieces.isEmpty();
    }

    /** Stops taking input: what is queued is dropped, later data discarded. */
    synchronized void finish() {
        finished = true;
        pieces.clear();
    }

    /** The worker's turn is over; true when another must be scheduled at once (input is left, or the end is). */
    synchronized boolean turnEnded() {
        scheduled = !finished && (!pieces.isEmpty() || inputEnd != null);
        return scheduled;
    }

    // Queued input: buf[0, length), filled by add() while it is the queue's last piece.
    private static final class Piece {
        final byte[] buf;
        int length;

        Piece(byte[] buf) {
            this.buf = buf;
        }
    }
}

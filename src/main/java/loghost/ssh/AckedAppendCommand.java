package loghost.ssh;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import loghost.protocol.Frames;
import loghost.store.HostLog;
import loghost.store.LineBatch;
import loghost.store.LogStore;
import loghost.store.RecordType;
import loghost.store.StorageException;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --ack}: the forwarder's acknowledged mode. Frames carry lines numbered by the client; each
 * number is stored at most once (the log remembers the last one per stream), and acknowledged only once the
 * records holding it are on disk. A second thread syncs and acknowledges while this one keeps reading, so that
 * fsync latency overlaps with the network (group commit).
 */
final class AckedAppendCommand extends HostCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AckedAppendCommand.class);
    private static final int BATCH_RECORDS = 4096;

    private final LogStore store;
    private final int maxLine;
    private final Object ackLock = new Object();
    private long appendedClientSeq;
    private long appendedHostSeq;
    private String appendedDigest;
    private boolean finished;
    private OutputStream out;

    AckedAppendCommand(LogStore store, ActiveSessions sessions, int maxLine, Refusals refusals) {
        super(sessions, refusals);
        this.store = store;
        this.maxLine = maxLine;
    }

    @Override
    protected void serve(AuthenticatedHost who, ServerSession session) {
        receive(who, session, output());
    }

    @Override
    protected void refuse(int code, String message) {
        fail(output(), code, message);
    }

    // One buffered stdout for the session, shared by the reader (errors) and the acknowledging thread.
    private synchronized OutputStream output() {
        if (out == null) {
            out = new BufferedOutputStream(getOutputStream(), 8192);
        }
        return out;
    }

    private void receive(AuthenticatedHost who, ServerSession session, OutputStream out) {
        DataInputStream in = new DataInputStream(new BufferedInputStream(getInputStream(), 1 << 16));
        HostLog log;
        String stream;
        try {
            log = store.host(who.host());
            stream = Frames.parseHello(readFrame(in));
            long last = log.streamPosition(stream);
            synchronized (out) {
                Frames.writeText(out, Frames.WELCOME, "loghost-ack 1 host=" + who.host() + " last=" + last);
                out.flush();
            }
            String start = "host=" + who.host() + " source=" + Refusals.source(session) + " key=" + who.fingerprint()
                    + " stream=" + stream + " resume-after=" + last;
            LOG.info("stream-start {}", start);
            refusals.audit().event("stream-start " + start);
        } catch (Frames.ProtocolException e) {
            refusals.log("protocol-error", session, "reason=" + Refusals.quote(e.getMessage()));
            fail(out, ExitCodes.DATA_ERROR, "protocol error: " + e.getMessage());
            return;
        } catch (StorageException | IOException e) {
            storageOrConnectionFailure(who, out, e);
            return;
        }
        Thread acker = new Thread(() -> acknowledge(log, out), "sshd-append-log-ack-" + who.host());
        acker.setDaemon(true);
        acker.start();
        String ending = "eof";
        int code = ExitCodes.OK;
        LineBatch batch = new LineBatch();
        batch.stream(stream);
        try {
            while (true) {
                Frames.Frame f;
                try {
                    f = readFrame(in);
                } catch (InterruptedIOException e) {
                    ending = "closed-by-server";
                    break;
                } catch (Frames.ProtocolException e) {
                    throw e;
                } catch (IOException e) {
                    ending = "connection-lost";
                    break;
                }
                if (f == null) {
                    break;
                }
                add(batch, f);
                if (batch.count() >= BATCH_RECORDS || in.available() == 0) {
                    appendAndSchedule(log, batch);
                }
            }
            appendAndSchedule(log, batch);
        } catch (Frames.ProtocolException e) {
            refusals.log("protocol-error", getServerSession(), "reason=" + Refusals.quote(e.getMessage()));
            ending = "protocol-error";
            code = ExitCodes.DATA_ERROR;
            writeError(out, "protocol error: " + e.getMessage());
        } catch (StorageException e) {
            ending = "storage-error";
            code = ExitCodes.IO_ERROR;
            String detail = "host=" + who.host() + " reason=" + Refusals.quote(e.getMessage());
            LOG.error("storage-error {}", detail);
            refusals.audit().event("storage-error " + detail);
            writeError(out, "the loghost could not store your lines");
        } catch (IOException e) {
            ending = "io-error";
            LOG.warn("stream-io-error host={} reason=\"{}\"", who.host(), e.getMessage());
        }
        synchronized (ackLock) {
            finished = true;
            ackLock.notifyAll();
        }
        try {
            acker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String end = "host=" + who.host() + " stream=" + stream + " ending=" + ending + " last=" + log.streamPosition(stream);
        LOG.info("stream-end {}", end);
        refusals.audit().event("stream-end " + end);
        onExit(code);
    }

    private static Frames.Frame readFrame(DataInputStream in) throws IOException {
        return Frames.read(in);
    }

    private void add(LineBatch batch, Frames.Frame f) throws Frames.ProtocolException {
        byte kind = f.kind();
        if (kind != Frames.LINE && kind != Frames.PART && kind != Frames.MARK && kind != Frames.GAP) {
            throw new Frames.ProtocolException("unexpected frame '" + (char) kind + "'");
        }
        if (f.body().length < 8) {
            throw new Frames.ProtocolException("frame without sequence number");
        }
        long cseq = f.seq();
        if (cseq <= 0) {
            throw new Frames.ProtocolException("client sequence numbers start at 1");
        }
        byte[] b = f.body();
        int off = f.payloadOffset();
        int len = b.length - off;
        if (kind == Frames.MARK || kind == Frames.GAP) {
            batch.add(kind == Frames.MARK ? RecordType.MARK : RecordType.GAP, b, off, Math.min(len, maxLine), cseq);
            return;
        }
        // A line longer than max-line becomes cont records, as in raw mode; all carry the frame's cseq.
        while (len > maxLine) {
            batch.add(RecordType.CONT, b, off, maxLine, cseq);
            off += maxLine;
            len -= maxLine;
        }
        batch.add(kind == Frames.PART ? RecordType.CONT : RecordType.LOG, b, off, len, cseq);
    }

    private void appendAndSchedule(HostLog log, LineBatch batch) throws StorageException {
        if (batch.count() == 0) {
            return;
        }
        long highest = batch.lastClientSeq();
        log.append(batch);
        long hostSeq = log.lastSeq();
        String digest = log.lastDigestHex();
        batch.clear();
        synchronized (ackLock) {
            appendedClientSeq = highest;
            appendedHostSeq = hostSeq;
            appendedDigest = digest;
            ackLock.notifyAll();
        }
    }

    // Syncs whatever was appended since the last round, then acknowledges the highest client seq it covers.
    private void acknowledge(HostLog log, OutputStream out) {
        long acked = 0;
        while (true) {
            long cseq;
            long hostSeq;
            String digest;
            boolean last;
            synchronized (ackLock) {
                while (appendedClientSeq == acked && !finished) {
                    try {
                        ackLock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                cseq = appendedClientSeq;
                hostSeq = appendedHostSeq;
                digest = appendedDigest;
                last = finished;
            }
            if (cseq != acked) {
                try {
                    log.sync();
                    byte[] d = digest.getBytes(StandardCharsets.US_ASCII);
                    byte[] body = new byte[8 + d.length];
                    for (int i = 0; i < 8; i++) {
                        body[i] = (byte) (hostSeq >>> (56 - 8 * i));
                    }
                    System.arraycopy(d, 0, body, 8, d.length);
                    synchronized (out) {
                        Frames.writeSeq(out, Frames.ACK, cseq, body, 0, body.length);
                        out.flush();
                    }
                    acked = cseq;
                } catch (StorageException | IOException e) {
                    LOG.warn("ack-failed host={} reason=\"{}\"", log.host(), e.getMessage());
                    return;
                }
            }
            if (last && acked == cseq) {
                return;
            }
        }
    }

    private void storageOrConnectionFailure(AuthenticatedHost who, OutputStream out, Exception e) {
        if (e instanceof StorageException) {
            String detail = "host=" + who.host() + " reason=" + Refusals.quote(e.getMessage());
            LOG.error("storage-error {}", detail);
            refusals.audit().event("storage-error " + detail);
            fail(out, ExitCodes.IO_ERROR, "the loghost could not store your lines");
        } else {
            LOG.info("stream-lost host={} reason=\"{}\"", who.host(), e.getMessage());
            onExit(ExitCodes.OK);
        }
    }

    private void writeError(OutputStream out, String message) {
        try {
            synchronized (out) {
                Frames.writeText(out, Frames.ERROR, message);
                out.flush();
            }
        } catch (IOException e) {
            LOG.debug("could not send error frame: {}", e.toString());
        }
    }

    private void fail(OutputStream out, int code, String message) {
        writeError(out, message);
        exitWithMessage(code, message);
    }
}

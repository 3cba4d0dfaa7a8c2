package loghost.ssh;

import java.nio.charset.StandardCharsets;
import java.util.List;
import loghost.refusal.Refusal;
import loghost.store.HostLog;
import loghost.store.LogStore;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code append-log --file-position NAME DEV INO FP ...}: prints, for each identity asked about, one line
 * {@code DEV INO FP OFFSET}: the byte offset up to which the host's log holds that file's newest generation (0 for
 * nothing), and exits 0. Only the key's own host is read; the answer goes out after an fsync of that host's log,
 * so what it names is on disk.
 */
final class FilePositionCommand extends PositionCommand {

    private static final Logger LOG = LoggerFactory.getLogger(FilePositionCommand.class);

    private final List<PushedFile> files;
    private String answer = "";

    FilePositionCommand(LogStore store, ActiveSessions sessions, Refusals refusals, SessionWorkers workers,
            PositionRate rate, List<PushedFile> files) {
        super(store, sessions, refusals, workers, rate);
        this.files = files;
    }

    @Override
    protected Refusal rateRefusal() {
        return Refusal.FILE_POSITION_RATE;
    }

    @Override
    protected String request() {
        return "name=" + files.get(0).name();
    }

    @Override
    protected String what() {
        return "file position";
    }

    @Override
    protected byte[] answer(HostLog log) {
        StringBuilder text = new StringBuilder();
        for (PushedFile f : files) {
            text.append(f.identity()).append(' ').append(log.streamPosition(f.stream(f.generation(log))))
                    .append('\n');
        }
        answer = text.toString();
        return answer.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    protected void answered(AuthenticatedHost who, ServerSession session) {
        LOG.info("file-position host={} source={} name={} answer=\"{}\"", who.host(), Refusals.source(session),
                files.get(0).name(), answer.strip().replace('\n', ','));
    }
}

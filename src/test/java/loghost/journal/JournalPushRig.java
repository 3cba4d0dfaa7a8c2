package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import loghost.testing.HostRecords;
import loghost.testing.Run;
import loghost.testing.Tools;

/** What the journal push tests share: real journal files, crafted export input, the pushed records read back. */
final class JournalPushRig {

    /** Where .ci/run unpacks systemd-journal-remote and its libmicrohttpd (matching the installed systemd). */
    static final Path JOURNAL_REMOTE = loghost.testing.JournalFiles.JOURNAL_REMOTE;

    private JournalPushRig() {
    }

    /** Appends entries first..last ({@code app[42]: entry N}) to the journal file in {@code dir}, via journal-remote. */
    static void write(Path dir, int first, int last) throws Exception {
        loghost.testing.JournalFiles.write(dir, first, last);
    }

    /** One export-format entry with the given raw cursor line value and a text MESSAGE. */
    static byte[] entry(String cursor, String message) {
        return ("__CURSOR=" + cursor + "\n__REALTIME_TIMESTAMP=1700000000000000\n_PID=7\nSYSLOG_IDENTIFIER=app\n"
                + "MESSAGE=" + message + "\n\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The entry of sequence {@code id}, number {@code seq}, message {@code entry SEQ}. */
    static byte[] entry(String id, long seq) {
        return entry("s=" + id + ";i=" + Long.toHexString(seq) + ";b=0123456789abcdef0123456789abcdef;m=1;t=1;x=2",
                "entry " + seq);
    }

    /** Entries first..last of sequence {@code id}. */
    static byte[] entries(String id, long first, long last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long i = first; i <= last; i++) {
            out.writeBytes(entry(id, i));
        }
        return out.toByteArray();
    }

    /** The pushed journal records of {@code host} (META {@code c=j.}), in chain order. */
    static List<HostRecords.Rec> pushed(Path data, String host) throws Exception {
        List<HostRecords.Rec> out = new ArrayList<>();
        for (HostRecords.Rec r : HostRecords.read(data, host)) {
            if (r.meta().contains(",c=j.")) {
                out.add(r);
            }
        }
        return out;
    }

    /** The seqnum of a pushed record: the cseq of its {@code c=j.ID:SEQ} (an entry's own keys may follow it). */
    static long seqnum(HostRecords.Rec r) {
        java.util.regex.Matcher m = loghost.names.StreamId.META_FIELD.matcher(r.meta());
        if (!m.find()) {
            throw new AssertionError("no c= in " + r.meta());
        }
        return Long.parseLong(m.group(2));
    }
}

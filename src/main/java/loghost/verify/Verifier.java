package loghost.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import loghost.store.DigestAlgorithm;
import loghost.store.FileHeader;
import loghost.store.HostName;
import loghost.store.RecordView;
import loghost.store.StoreFiles;

/**
 * Checks hosts' chains from the files alone, file by file and record by record, in constant memory. For each
 * host it reports the first record that breaks the chain (nothing after it can be trusted) and moves on.
 */
public final class Verifier {

    private final Path hostsDir;

    /** A verifier over {@code DATA/hosts}. */
    public Verifier(Path hostsDir) {
        this.hostsDir = hostsDir;
    }

    /** Verifies every host directory, in name order. */
    public VerifyReport verifyAll() throws IOException {
        VerifyReport report = new VerifyReport();
        if (!Files.isDirectory(hostsDir)) {
            return report;
        }
        List<String> hosts = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(hostsDir)) {
            for (Path d : dirs) {
                hosts.add(d.getFileName().toString());
            }
        }
        hosts.sort(null);
        for (String host : hosts) {
            verifyHost(host, report);
        }
        return report;
    }

    /** Verifies one host; a missing host directory is itself a problem. */
    public VerifyReport verifyOne(String host) throws IOException {
        VerifyReport report = new VerifyReport();
        if (!HostName.isStorable(host) || !Files.isDirectory(hostsDir.resolve(host))) {
            report.problem(host, host, 0, "no log directory for this host");
            return report;
        }
        verifyHost(host, report);
        return report;
    }

    private void verifyHost(String host, VerifyReport report) throws IOException {
        Path dir = hostsDir.resolve(host);
        String rel = host + "/";
        if (!HostName.isStorable(host) || !Files.isDirectory(dir)) {
            report.problem(host, host, 0, "unexpected entry in hosts directory (not a valid host name or not a directory)");
            return;
        }
        report.host();
        List<String> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path f : entries) {
                String name = f.getFileName().toString();
                if (!StoreFiles.DAY_FILE.matcher(name).matches() || !Files.isRegularFile(f)) {
                    report.problem(host, rel + name, 0, "unexpected file in host directory");
                    return;
                }
                files.add(name);
            }
        }
        files.sort(null);
        ChainState state = new ChainState(host);
        for (String name : files) {
            report.file();
            if (!verifyFile(dir.resolve(name), rel + name, state, report)) {
                return;
            }
        }
    }

    /** What the next record must continue from. */
    private static final class ChainState {
        final String host;
        DigestAlgorithm algorithm;
        long nextSeq = 1;
        byte[] prev;

        ChainState(String host) {
            this.host = host;
        }
    }

    private boolean verifyFile(Path file, String rel, ChainState state, VerifyReport report) throws IOException {
        String name = file.getFileName().toString();
        LocalDate day = LocalDate.parse(name.substring(0, name.length() - ".log".length()));
        try (LineReader lines = new LineReader(Files.newInputStream(file), RecordView.MAX_LINE_BYTES)) {
            if (!lines.next()) {
                report.problem(state.host, rel, 1, "empty file: no header");
                return false;
            }
            String problem = checkHeader(lines, day, state);
            if (problem != null) {
                report.problem(state.host, rel, 1, problem);
                return false;
            }
            MessageDigest md = state.algorithm.newDigest();
            byte[] computed = new byte[state.algorithm.length()];
            RecordView view = new RecordView();
            long lineNo = 1;
            while (lines.next()) {
                lineNo++;
                if (!lines.terminated()) {
                    report.problem(state.host, rel, lineNo, "incomplete final line (torn write; `loghost serve` "
                            + "truncates it at its next start)");
                    return false;
                }
                problem = view.parse(lines.line(), lines.length(), state.algorithm);
                if (problem != null) {
                    report.problem(state.host, rel, lineNo, problem);
                    return false;
                }
                if (view.seq() != state.nextSeq) {
                    report.problem(state.host, rel, lineNo, "sequence break: expected seq " + state.nextSeq
                            + ", found " + view.seq() + " (a record was deleted, inserted or moved)");
                    return false;
                }
                md.update(state.prev);
                view.updateCanonical(md);
                try {
                    md.digest(computed, 0, computed.length);
                } catch (DigestException e) {
                    throw new IllegalStateException("digest buffer sized for its algorithm", e);
                }
                if (!view.digestEquals(computed)) {
                    report.problem(state.host, rel, lineNo, "digest mismatch at seq " + view.seq()
                            + " (the record or one before it was altered)");
                    return false;
                }
                byte[] swap = state.prev;
                state.prev = computed;
                computed = swap;
                state.nextSeq++;
                report.record();
            }
            return true;
        } catch (LineReader.LineTooLongException e) {
            report.problem(state.host, rel, 0, "a line exceeds " + RecordView.MAX_LINE_BYTES
                    + " bytes, longer than any record");
            return false;
        }
    }

    private static String checkHeader(LineReader lines, LocalDate day, ChainState state) {
        if (!lines.terminated()) {
            return "header line has no LF";
        }
        FileHeader h;
        try {
            h = FileHeader.parse(new String(lines.line(), 0, lines.length(), StandardCharsets.ISO_8859_1));
        } catch (IllegalArgumentException e) {
            return "bad header: " + e.getMessage();
        }
        if (!h.host().equals(state.host)) {
            return "header names host " + h.host() + ", directory is " + state.host;
        }
        if (!h.day().equals(day)) {
            return "header names day " + h.day() + ", file name says " + day;
        }
        if (state.algorithm == null) {
            state.algorithm = h.algorithm();
            state.prev = h.algorithm().genesis(state.host);
        } else if (h.algorithm() != state.algorithm) {
            return "header names algorithm " + h.algorithm().headerName() + ", the chain uses "
                    + state.algorithm.headerName();
        }
        if (h.firstSeq() != state.nextSeq) {
            return "header continues from seq " + h.firstSeq() + ", expected " + state.nextSeq
                    + (state.nextSeq == 1 ? " (the chain's first file is missing?)" : " (records or files missing?)");
        }
        if (!Arrays.equals(h.prevDigest(), state.prev)) {
            return "header prev digest does not match the chain"
                    + (state.nextSeq == 1 ? " (not the genesis value of this host)" : " (previous file altered?)");
        }
        return null;
    }
}

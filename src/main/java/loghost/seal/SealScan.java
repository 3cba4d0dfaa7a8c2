package loghost.seal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import loghost.store.FileHeader;
import loghost.store.HostLog;
import loghost.store.LineReader;
import loghost.store.LogStore;
import loghost.store.RecordView;

/**
 * After a crash while an epoch was being sealed: finds the seal records of that epoch already written, so that
 * the epoch's checkpoint lists every one of them. Reads only the plain day files of the sealing day and later.
 */
final class SealScan {

    private SealScan() {
    }

    /** Every {@code seal} record with message {@code epoch=EPOCH} in day files of {@code fromDay} or later. */
    static List<SealBlock.Entry> sealsOfEpoch(LogStore store, long epoch, String fromDay) throws IOException {
        byte[] message = ("epoch=" + epoch).getBytes(StandardCharsets.US_ASCII);
        List<SealBlock.Entry> found = new ArrayList<>();
        for (HostLog log : store.openLogs()) {
            Path dir = store.hostsDir().resolve(log.host());
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.log")) {
                for (Path p : entries) {
                    String name = p.getFileName().toString();
                    if (name.length() == 14 && name.substring(0, 10).compareTo(fromDay) >= 0) {
                        files.add(p);
                    }
                }
            }
            files.sort(null);
            for (Path f : files) {
                scanFile(log.host(), f, message, found);
            }
        }
        return found;
    }

    private static void scanFile(String host, Path file, byte[] message, List<SealBlock.Entry> found)
            throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
             LineReader lines = new LineReader(in, RecordView.MAX_LINE_BYTES)) {
            if (!lines.next()) {
                return;
            }
            FileHeader header = FileHeader.parse(new String(lines.line(), 0, lines.length(),
                    StandardCharsets.ISO_8859_1));
            RecordView view = new RecordView();
            int hex = 2 * header.algorithm().length();
            while (lines.nextComplete()) {
                byte[] line = lines.line();
                if (view.parse(line, lines.length(), header.algorithm(), header.version()) != null) {
                    throw new IOException(file + ": malformed record while looking for seal records; run loghost verify");
                }
                if (view.type().equals("seal") && view.end() - view.messageStart() == message.length
                        && java.util.Arrays.equals(line, view.messageStart(), view.end(), message, 0, message.length)) {
                    found.add(new SealBlock.Entry(host, view.seq(),
                            new String(line, view.digestStart(), hex, StandardCharsets.US_ASCII)));
                }
            }
        } catch (LineReader.LineTooLongException e) {
            throw new IOException(file + ": line too long; run loghost verify", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage() + "; run loghost verify", e);
        }
    }
}

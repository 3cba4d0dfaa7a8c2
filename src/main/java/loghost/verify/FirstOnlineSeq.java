package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import loghost.names.DayFileName;
import loghost.store.FileHeader;
import loghost.store.HostName;
import loghost.store.LineReader;

/**
 * Per host, the SEQ its oldest day file online begins with (its header's {@code seq}): seals and receipts of
 * records before it are in files retention archived or deleted, which the chain check vouches for through the
 * MANIFEST. Hosts whose first file cannot be read are left out (their chain check reports why).
 */
final class FirstOnlineSeq {

    private FirstOnlineSeq() {
    }

    static Map<String, Long> ofEveryHost(Path hostsDir) {
        Map<String, Long> first = new HashMap<>();
        try (DirectoryStream<Path> hosts = Files.newDirectoryStream(hostsDir)) {
            for (Path h : hosts) {
                String host = h.getFileName().toString();
                if (!HostName.isStorable(host) || !Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Long seq = ofHost(h);
                if (seq != null) {
                    first.put(host, seq);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return first; // the chain checks report hosts/ itself
        }
        return first;
    }

    private static Long ofHost(Path dir) {
        TreeSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                if (DayFileName.isStored(n)) {
                    names.add(n);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return null;
        }
        if (names.isEmpty()) {
            return null;
        }
        Path oldest = dir.resolve(names.first());
        try (InputStream raw = Files.newInputStream(oldest, LinkOption.NOFOLLOW_LINKS);
             InputStream in = oldest.toString().endsWith(".gz") ? new GZIPInputStream(raw, 4096) : raw;
             LineReader lines = new LineReader(in, 4096)) {
            if (!lines.nextComplete()) {
                return null;
            }
            return FileHeader.parse(new String(lines.line(), 0, lines.length(), StandardCharsets.ISO_8859_1)).firstSeq();
        } catch (IOException | LineReader.LineTooLongException | IllegalArgumentException e) {
            return null;
        }
    }
}

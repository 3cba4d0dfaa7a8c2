package loghost.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import loghost.store.DigestAlgorithm;
import loghost.store.Escaping;
import loghost.store.RecordView;

/** Reads a host's records back from its day files, as an operator's tool would, and decodes them. */
public final class HostRecords {

    /** One record, message decoded. */
    public record Rec(long seq, String type, String meta, byte[] message) {
        /** The message as UTF-8 text (for readable assertions). */
        public String text() {
            return new String(message, StandardCharsets.UTF_8);
        }
    }

    private HostRecords() {
    }

    /** The day files of {@code host} in chain order. */
    public static List<Path> files(Path data, String host) throws IOException {
        Path dir = data.resolve("hosts").resolve(host);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    /** Waits for a record of the audit trail ({@code _loghost}) whose text matches, and returns it. */
    public static Rec awaitAudit(Path data, java.util.function.Predicate<String> match) throws Exception {
        return Await.until(() -> "an audit record; have: " + texts(data), () -> read(data, "_loghost").stream()
                .filter(r -> match.test(r.text())).findFirst(), java.util.Optional::isPresent).orElseThrow();
    }

    private static List<String> texts(Path data) {
        try {
            return read(data, "_loghost").stream().map(Rec::text).toList();
        } catch (Exception e) {
            return List.of("(unreadable: " + e + ")");
        }
    }

    /** Records of {@code type} in {@code host}'s plain day files, counted line by line (constant memory). */
    public static long count(Path data, String host, String type) throws IOException {
        String field = " " + type + " ";
        long n = 0;
        for (Path f : files(data, host)) {
            try (java.io.BufferedReader in = Files.newBufferedReader(f, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                in.readLine();
                for (String line; (line = in.readLine()) != null; ) {
                    int afterTime = line.indexOf(' ', line.indexOf(' ') + 1);
                    if (line.startsWith(field, afterTime)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /**
     * Runs {@code loghost verify --host HOST} while a server may be sealing, and checks that it passed over exactly
     * {@code records} records of other types plus the seal records present before or after it ran.
     */
    public static Run.Result verifyCounting(Path data, String host, long records) throws IOException {
        long sealsBefore = count(data, host, "seal");
        Run.Result v = Cli.run(data, "verify", "--host", host);
        long sealsAfter = count(data, host, "seal");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("verify: OK: 1 host, [0-9]+ files?, ([0-9]+) records?\n$")
                .matcher(v.stdout());
        if (!m.find()) {
            throw new AssertionError("verify did not pass:\n" + v);
        }
        long n = Long.parseLong(m.group(1));
        if (n < records + sealsBefore || n > records + sealsAfter) {
            throw new AssertionError("verify counted " + n + " records, expected " + records + " plus "
                    + sealsBefore + "-" + sealsAfter + " seal records:\n" + v);
        }
        return v;
    }

    /** All records of {@code host} (sha256 chains), in order. */
    public static List<Rec> read(Path data, String host) throws IOException {
        List<Rec> out = new ArrayList<>();
        RecordView v = new RecordView();
        for (Path f : files(data, host)) {
            byte[] all = Files.readAllBytes(f);
            int start = 0;
            boolean header = true;
            for (int i = 0; i < all.length; i++) {
                if (all[i] != '\n') {
                    continue;
                }
                if (header) {
                    header = false;
                } else {
                    byte[] line = java.util.Arrays.copyOfRange(all, start, i);
                    String problem = v.parse(line, line.length, DigestAlgorithm.SHA256);
                    if (problem != null) {
                        throw new IOException(f + ": " + problem);
                    }
                    out.add(new Rec(v.seq(), v.type(), v.meta(),
                            Escaping.unescape(line, v.messageStart(), line.length - v.messageStart())));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** Each session's byte stream (key: the {@code s=} value), rebuilt by the rule in docs/FORMAT.md. */
    public static Map<String, byte[]> sessions(List<Rec> records) {
        Map<String, ByteArrayOutputStream> m = new LinkedHashMap<>();
        for (Rec r : records) {
            ByteArrayOutputStream b = m.computeIfAbsent(r.meta(), k -> new ByteArrayOutputStream());
            b.writeBytes(r.message());
            if (r.type().equals("log")) {
                b.write('\n');
            }
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.toByteArray()));
        return out;
    }
}

package loghost.seal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The root attacker's tool: rewrites a host's plain day files so that the chain holds again after an edit, every
 * digest after it (seal records' included) recomputed, and later headers' {@code prev} fixed. SHA-256 chains only.
 */
final class Rechain {

    private Rechain() {
    }

    /** The host's day files, in order, as lists of lines without LF. */
    static List<Path> files(Path hostDir) throws Exception {
        try (Stream<Path> s = Files.list(hostDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    /** Recomputes the chain of every file from the genesis value, keeping each record's fields but DIGEST. */
    static void rechain(Path hostDir, String host) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] prev = md.digest(("loghost-genesis " + host).getBytes(StandardCharsets.US_ASCII));
        long nextSeq = 1;
        for (Path f : files(hostDir)) {
            List<String> lines = new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
            String h = lines.get(0);
            h = h.replaceAll(" seq=[0-9]+ prev=[0-9a-f]+$", " seq=" + nextSeq + " prev=" + HexFormat.of().formatHex(prev));
            lines.set(0, h);
            for (int i = 1; i < lines.size(); i++) {
                String[] p = lines.get(i).split(" ", 6);
                String seq = Long.toString(nextSeq++);
                String canonical = seq + " " + p[1] + " " + p[2] + " " + p[3] + " " + (p.length > 5 ? p[5] : "");
                md.update(prev);
                prev = md.digest(canonical.getBytes(StandardCharsets.UTF_8));
                lines.set(i, seq + " " + p[1] + " " + p[2] + " " + p[3] + " " + HexFormat.of().formatHex(prev) + " "
                        + (p.length > 5 ? p[5] : ""));
            }
            Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        }
    }

    /** Replaces the message of record {@code seq} and re-chains everything. */
    static void rewriteMessage(Path hostDir, String host, long seq, String message) throws Exception {
        edit(hostDir, seq, line -> {
            String[] p = line.split(" ", 6);
            return p[0] + " " + p[1] + " " + p[2] + " " + p[3] + " " + p[4] + " " + message;
        });
        rechain(hostDir, host);
    }

    /** Applies {@code change} to the line of record {@code seq} (the file is written back as is). */
    static void edit(Path hostDir, long seq, java.util.function.UnaryOperator<String> change) throws Exception {
        for (Path f : files(hostDir)) {
            List<String> lines = new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
            for (int i = 1; i < lines.size(); i++) {
                if (lines.get(i).startsWith(seq + " ")) {
                    lines.set(i, change.apply(lines.get(i)));
                    Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
                    return;
                }
            }
        }
        throw new IllegalArgumentException("no record " + seq);
    }

    /** Cuts the host's chain after record {@code lastKept}: later records and later (emptied) files go. */
    static void truncateAfter(Path hostDir, long lastKept) throws Exception {
        for (Path f : files(hostDir)) {
            List<String> lines = new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
            long first = Long.parseLong(lines.get(0).replaceAll(".* seq=([0-9]+) .*", "$1"));
            if (first > lastKept + 1) {
                Files.delete(f);
                continue;
            }
            List<String> kept = new ArrayList<>(List.of(lines.get(0)));
            for (int i = 1; i < lines.size(); i++) {
                if (Long.parseLong(lines.get(i).substring(0, lines.get(i).indexOf(' '))) <= lastKept) {
                    kept.add(lines.get(i));
                }
            }
            Files.writeString(f, String.join("\n", kept) + "\n", StandardCharsets.UTF_8);
        }
    }

    /**
     * Root removing the newest {@code epochs} epochs of everything at block and record boundaries: checkpoints,
     * every host's records after its last seal of an epoch kept, and the key file. Returns the last epoch kept.
     */
    static long dropNewestEpochs(Path data, int epochs) throws Exception {
        Path file;
        try (Stream<Path> s = Files.list(data.resolve("seal"))) {
            file = s.filter(p -> p.toString().endsWith(".ckpt")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        List<String> lines = Files.readAllLines(file);
        int cut = -1;
        int found = 0;
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("checkpoint ") && ++found == epochs) {
                cut = i;
                break;
            }
        }
        long kept = Long.parseLong(lines.get(cut).replaceAll("checkpoint v1 epoch=([0-9]+) .*", "$1")) - 1;
        Files.writeString(file, String.join("\n", lines.subList(0, cut)) + "\n");
        try (Stream<Path> hosts = Files.list(data.resolve("hosts"))) {
            for (Path hostDir : hosts.toList()) {
                long lastKept = seals(hostDir).stream().filter(x -> x[1] <= kept).mapToLong(x -> x[0]).max().orElse(0);
                truncateAfter(hostDir, lastKept);
            }
        }
        Files.deleteIfExists(data.resolve("seal/epoch.key"));
        return kept;
    }

    /** SEQ of every seal record of the host, with its epoch: {seq, epoch}, in order. */
    static List<long[]> seals(Path hostDir) throws Exception {
        List<long[]> out = new ArrayList<>();
        for (Path f : files(hostDir)) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String[] p = line.split(" ", 6);
                if (p.length == 6 && p[2].equals("seal")) {
                    out.add(new long[] {Long.parseLong(p[0]), Long.parseLong(p[5].substring(6))});
                }
            }
        }
        return out;
    }
}

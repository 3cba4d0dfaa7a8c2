package loghost.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import loghost.seal.Receipt;
import loghost.seal.VerificationKey;
import loghost.store.LineReader;
import loghost.verify.VerifyReport.Kind;

/**
 * {@code loghost verify --receipts FILE...} (docs/PROTOCOL.md, "Receipts"): each receipt a host kept must be signed
 * by the loghost's host key, and the host's chain must still hold, at the receipt's SEQ, a record with the
 * receipt's digest; the chain digest fixes every record before it.
 */
public final class ReceiptCheck {

    private final VerificationKey hostKey;
    private final String hostKeyFingerprint;
    private final VerifyReport report;
    private final Map<String, TreeMap<Long, List<Held>>> byHost = new TreeMap<>();
    // Hosts are checked on several threads at once (Verifier): this is the only map they write.
    private final Map<String, Boolean> seen = new java.util.concurrent.ConcurrentHashMap<>();
    private int held;
    private int files;

    private record Held(Receipt receipt, String place) {
    }

    /** Checks receipts against {@code hostKey}, the Ed25519 key whose OpenSSH fingerprint is {@code fingerprint}. */
    public ReceiptCheck(VerificationKey hostKey, String fingerprint, VerifyReport report) {
        this.hostKey = hostKey;
        this.hostKeyFingerprint = fingerprint;
        this.report = report;
    }

    /** The raw key and fingerprint of an OpenSSH {@code ssh-ed25519} public key line (or known_hosts line). */
    public static Object[] parseOpenSshKey(String text) {
        String[] f = text.strip().split("\\s+");
        for (int i = 0; i + 1 < f.length; i++) {
            if (f[i].equals("ssh-ed25519")) {
                byte[] blob = Base64.getDecoder().decode(f[i + 1]);
                ByteBuffer b = ByteBuffer.wrap(blob);
                byte[] type = new byte[b.getInt()];
                b.get(type);
                byte[] key = new byte[b.getInt()];
                b.get(key);
                if (!new String(type, StandardCharsets.US_ASCII).equals("ssh-ed25519") || key.length != 32
                        || b.hasRemaining()) {
                    throw new IllegalArgumentException("not an ssh-ed25519 key");
                }
                byte[] fp = ChainCheck.sha256().digest(blob);
                return new Object[] {new VerificationKey(key),
                        "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(fp)};
            }
        }
        throw new IllegalArgumentException("no ssh-ed25519 key in it");
    }

    /** Reads one receipts file; every line must be a receipt signed by the host key. */
    public void read(Path file, String label) {
        files++;
        long lineNo = 0;
        try (InputStream in = Files.newInputStream(file); LineReader lines = new LineReader(in, 4096)) {
            while (lines.next()) {
                lineNo++;
                String line = new String(lines.line(), 0, lines.length(), StandardCharsets.US_ASCII);
                if (line.isEmpty()) {
                    continue;
                }
                if (!lines.terminated()) {
                    // The forwarder appends without forcing each line: a crash can leave the last one torn.
                    report.add(Kind.NOTE, label + ":" + lineNo, 0, "incomplete final line (a receipt a crash cut"
                            + " short), ignored");
                    continue;
                }
                String place = label + ":" + lineNo;
                Receipt r;
                try {
                    r = Receipt.parse(line);
                } catch (IllegalArgumentException e) {
                    report.add(Kind.FAIL, place, 0, "not a receipt line");
                    continue;
                }
                if (!r.keyFingerprint().equals(hostKeyFingerprint)) {
                    report.add(Kind.FAIL, place, 0, "receipt names host key " + r.keyFingerprint()
                            + ", the loghost's is " + hostKeyFingerprint);
                    continue;
                }
                if (!r.signedBy(hostKey)) {
                    report.add(Kind.FAIL, place, 0, "receipt signature does not verify with the loghost's host key");
                    continue;
                }
                byHost.computeIfAbsent(r.host(), h -> new TreeMap<>())
                        .computeIfAbsent(r.seq(), s -> new ArrayList<>()).add(new Held(r, place));
                held++;
            }
        } catch (IOException e) {
            report.add(Kind.FAIL, label, 0, "cannot be read");
        } catch (LineReader.LineTooLongException e) {
            report.add(Kind.FAIL, label + ":" + (lineNo + 1), 0, "not a receipt line");
        }
    }

    /** The receipts of {@code host} to match against its chain (null when it has none), reporting into {@code into}. */
    Chain forHost(String host, VerifyReport into) {
        seen.put(host, true);
        TreeMap<Long, List<Held>> m = byHost.get(host);
        return m == null ? null : new Chain(host, m, into);
    }

    /** One host's receipts, matched against its chain as it is checked. */
    final class Chain {
        private final String host;
        private final TreeMap<Long, List<Held>> wanted;
        private final VerifyReport report;
        long next;

        Chain(String host, TreeMap<Long, List<Held>> wanted, VerifyReport report) {
            this.host = host;
            this.wanted = wanted;
            this.report = report;
            this.next = wanted.firstKey();
        }

        /**
         * Record {@code seq} (at least {@link #next}) holds with digest {@code digestHex}; a failure text when a
         * receipt differs. Receipts of SEQs before it are of records not online (the chain began after them: files
         * archived or deleted by retention); they are noted, not failed.
         */
        String at(long seq, String digestHex, String label) {
            while (next >= 0 && next < seq) {
                Held h = wanted.remove(next).get(0);
                // Named by host: label is the first day file online, which does not hold this seq.
                report.add(Kind.WARNING, "hosts/" + host, 0, "receipt " + h.place() + " names seq " + next + ", in a "
                        + "file not online (archived or deleted by retention, as the MANIFEST says): not proven here");
                next = wanted.isEmpty() ? -1 : wanted.firstKey();
            }
            if (next != seq) {
                return null;
            }
            List<Held> rs = wanted.remove(next);
            next = wanted.isEmpty() ? -1 : wanted.firstKey();
            for (Held h : rs) {
                if (!h.receipt().digestHex().equals(digestHex)) {
                    return "record " + h.receipt().seq() + " is not the one receipt " + h.place() + " names (digest "
                            + h.receipt().digestHex() + ", acknowledged " + h.receipt().time() + "): the log was "
                            + "altered at or before seq " + h.receipt().seq();
                }
            }
            return null;
        }

        /** After the chain held to {@code lastSeq}: receipts beyond it name records that are gone. */
        void done(String label, long lastSeq) {
            if (!wanted.isEmpty()) {
                Held h = wanted.firstEntry().getValue().get(0);
                report.add(Kind.FAIL, label, 0, "receipt " + h.place() + " says seq " + h.receipt().seq()
                        + " (stream " + h.receipt().stream() + " cseq " + h.receipt().cseq() + ") was stored "
                        + h.receipt().time() + ", but the log ends at seq " + lastSeq);
            }
        }
    }

    /** After all hosts: receipts of hosts whose directory is missing, then the count that held. */
    void finish(boolean allHosts) {
        for (var e : byHost.entrySet()) {
            if (!seen.containsKey(e.getKey()) && allHosts) {
                Held h = e.getValue().firstEntry().getValue().get(0);
                report.add(Kind.FAIL, "hosts/" + e.getKey(), 0, "missing: receipt " + h.place() + " says seq "
                        + h.receipt().seq() + " was stored " + h.receipt().time());
            }
        }
        report.add(Kind.SEALED, "receipts", 0, held + " receipt" + (held == 1 ? "" : "s") + " from " + files
                + " file" + (files == 1 ? "" : "s") + " signed by " + hostKeyFingerprint
                + " checked against the log");
    }
}

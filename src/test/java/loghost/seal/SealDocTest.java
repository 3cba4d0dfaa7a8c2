package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.testing.Cli;
import loghost.testing.Run;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seal worked example in docs/FORMAT.md, read from the doc's own bytes and recomputed by its rules. */
class SealDocTest {

    private static final Path DOC = Path.of("docs/FORMAT.md");

    @TempDir
    Path dir;

    private static String block(String marker) throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<!-- example-seal: " + Pattern.quote(marker) + " -->\n```\n(.*?)```\n",
                Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), marker + " block missing from docs/FORMAT.md");
        return m.group(1);
    }

    private static byte[] sha256(byte[]... parts) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // The example's keys: each secret is the SHA-256 of a phrase the doc states.
    private static SigningKey key(String phrase) throws Exception {
        return SigningKey.fromSeed(sha256(ascii(phrase)));
    }

    /** The example files as the rules of the doc make them, from the stated keys, times and record. */
    private static List<String> expected() throws Exception {
        HexFormat hex = HexFormat.of();
        byte[] genesis = sha256(ascii("loghost-genesis db01"));
        String log1 = "1 2026-11-22T10:15:30.125Z log s=1 ";
        String msg1 = "postgres[77]: checkpoint complete";
        byte[] d1 = sha256(genesis, ascii(log1 + msg1));
        String seal2 = "2 2026-11-22T10:16:00.037Z seal - ";
        byte[] d2 = sha256(d1, ascii(seal2 + "epoch=1"));
        String day = "#loghost v2 host=db01 day=2026-11-22 alg=sha256 seq=1 prev=" + hex.formatHex(genesis) + "\n"
                + log1 + hex.formatHex(d1) + " " + msg1 + "\n"
                + seal2 + hex.formatHex(d2) + " epoch=1\n";
        SigningKey root = key("loghost seal example: root key");
        SigningKey e1 = key("loghost seal example: epoch 1 key");
        SigningKey e2 = key("loghost seal example: epoch 2 key");
        SealBlock g = SealBlock.genesis(e1.publicKey(), Instant.parse("2026-11-22T10:15:00Z").toEpochMilli(), root);
        SealBlock c = SealBlock.checkpoint(1, "2026-11-22T10:15:00.000Z", "2026-11-22T10:16:00.037Z", g.digestHex(),
                e2.publicKey(), List.of(new SealBlock.Entry("db01", 2, hex.formatHex(d2))), e1);
        String ckpt = new String(g.bytes(), StandardCharsets.US_ASCII) + new String(c.bytes(), StandardCharsets.US_ASCII);
        return List.of(day, ckpt, root.publicKey() + "\n");
    }

    @Test
    void dayFileCheckpointsAndKeyRecomputeFromTheDocText() throws Exception {
        List<String> want = expected();
        String message = "expected, from the doc's rules:\n" + String.join("\n----\n", want);
        assertEquals(want.get(0), block("hosts/db01/2026-11-22.log"), message);
        assertEquals(want.get(1), block("seal/2026-11-22.ckpt"), message);
        assertEquals(want.get(2), block("seal.pub"), message);
    }

    @Test
    void signaturesInTheDocVerifyWithBouncyCastleDirectly() throws Exception {
        // Independent of SealBlock: the signed bytes are "loghost-seal v1" LF, then the body lines with their LFs.
        List<String> lines = block("seal/2026-11-22.ckpt").lines().toList();
        byte[] rootKey = HexFormat.of().parseHex(block("seal.pub").strip().substring(8));
        byte[] e1 = HexFormat.of().parseHex(lines.get(0).substring(23, 87));
        byte[] genesisSig = HexFormat.of().parseHex(lines.get(1).substring(4));
        byte[] signed = ascii("loghost-seal v1\n" + lines.get(0) + "\n");
        assertTrue(Ed25519.verify(genesisSig, 0, rootKey, 0, signed, 0, signed.length));
        byte[] checkpointSigned = ascii("loghost-seal v1\n" + lines.get(2) + "\n" + lines.get(3) + "\n");
        byte[] sig = HexFormat.of().parseHex(lines.get(4).substring(4));
        assertTrue(Ed25519.verify(sig, 0, e1, 0, checkpointSigned, 0, checkpointSigned.length));
        // prev is the SHA-256 of the genesis block, sig line included.
        String prev = HexFormat.of().formatHex(sha256(ascii(lines.get(0) + "\n" + lines.get(1) + "\n")));
        assertTrue(lines.get(2).contains(" prev=" + prev + " "), lines.get(2));
    }

    @Test
    void theWitnessLineNamesTheCheckpointsDigest() throws Exception {
        List<String> lines = block("seal/2026-11-22.ckpt").lines().toList();
        String checkpoint = lines.get(2) + "\n" + lines.get(3) + "\n" + lines.get(4) + "\n";
        String digest = HexFormat.of().formatHex(sha256(ascii(checkpoint)));
        assertEquals("loghost-witness v1 key=" + block("seal.pub").strip() + " epoch=1 end=2026-11-22T10:16:00.037Z"
                + " digest=" + digest + "\n", block("witness"));
        SealBlock.Parser p = new SealBlock.Parser();
        SealBlock parsed = null;
        for (String l : lines.subList(2, 5)) {
            parsed = p.line(l);
        }
        assertEquals(WitnessFile.line(VerificationKey.parse(block("seal.pub").strip()), parsed) + "\n",
                block("witness"), "the server's own witness line for this checkpoint");
    }

    @Test
    void verifyWithThePinnedKeyAcceptsTheExampleAndNamesWhatItSealed() throws Exception {
        Path data = dir.resolve("data");
        var dirMode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(data.resolve("hosts/db01"), dirMode);
        Files.createDirectories(data.resolve("seal"), dirMode);
        Files.setPosixFilePermissions(data.resolve("hosts"), PosixFilePermissions.fromString("rwx------"));
        write(data.resolve("hosts/db01/2026-11-22.log"), block("hosts/db01/2026-11-22.log"));
        write(data.resolve("seal/2026-11-22.ckpt"), block("seal/2026-11-22.ckpt"));
        String key = block("seal.pub").strip();
        Run.Result r = Cli.run(data, "verify", "--key", key, "--sealed-until", "2026-11-22T10:16:00Z");
        assertEquals("verify: sealed: hosts/db01: until 2026-11-22T10:16:00.037Z (last sealed seq 2, checkpoint 1)\n"
                + "verify: sealed: seal: checkpoints of epochs 1-1 hold, the last ending 2026-11-22T10:16:00.037Z"
                + " (seal/2026-11-22.ckpt)\n"
                + "verify: warning: seal: unproven since 2026-11-22T10:16:00.037Z: no checkpoint that holds seals what"
                + " was written after it, and a cut of the newest checkpoints looks the same (--sealed-until or"
                + " --witness tell them apart)\n"
                + "verify: OK: 1 host, 1 file, 2 records\n", r.stdout(), r::toString);
        assertEquals(0, r.exit());
        Path witness = dir.resolve("witness.log");
        Files.writeString(witness, block("witness"));
        Run.Result witnessed = Cli.run(data, "verify", "--key", key, "--witness", witness.toString());
        assertEquals(0, witnessed.exit(), witnessed::toString);
        assertTrue(witnessed.stdout().startsWith("verify: sealed: witness: 1 witnessed checkpoint, the newest epoch 1"
                + " ending 2026-11-22T10:16:00.037Z\n"), witnessed::toString);
        Files.writeString(witness, block("witness").replace("epoch=1 ", "epoch=2 "));
        Run.Result gone = Cli.run(data, "verify", "--key", key, "--witness", witness.toString());
        assertEquals(1, gone.exit(), gone::toString);
        assertTrue(gone.stdout().startsWith("verify: FAIL: seal: checkpoint 2 (ending 2026-11-22T10:16:00.037Z,"
                + " witnessed in " + witness + ":1) is missing: the checkpoints that hold end at epoch 1; 1 witnessed"
                + " checkpoint is gone\n"), gone::toString);
        Run.Result late = Cli.run(data, "verify", "--key", key, "--sealed-until", "2026-11-22T10:16:00.038Z");
        assertEquals(1, late.exit(), late::toString);
        assertTrue(late.stdout().contains("verify: FAIL: seal: the checkpoints end at 2026-11-22T10:16:00.037Z, before"
                + " --sealed-until 2026-11-22T10:16:00.038Z\n"), late::toString);
    }

    private static void write(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
}

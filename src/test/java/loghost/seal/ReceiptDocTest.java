package loghost.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import loghost.verify.ReceiptCheck;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/** The receipt worked example in docs/PROTOCOL.md, recomputed from the doc's own text. */
class ReceiptDocTest {

    private static String block(String marker) throws Exception {
        String doc = Files.readString(Path.of("docs/PROTOCOL.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<!-- receipt-example: " + marker + " -->\n```\n(.*?)```\n", Pattern.DOTALL)
                .matcher(doc);
        assertTrue(m.find(), marker + " block missing from docs/PROTOCOL.md");
        return m.group(1);
    }

    @Test
    void theExampleReceiptIsTheOneTheExampleKeySignsAndVerifies() throws Exception {
        byte[] seed = MessageDigest.getInstance("SHA-256")
                .digest("loghost receipt example: host key".getBytes(StandardCharsets.US_ASCII));
        byte[] pk = new byte[32];
        Ed25519.generatePublicKey(seed, 0, pk, 0);
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(blob);
        d.writeInt(11);
        d.writeBytes("ssh-ed25519");
        d.writeInt(32);
        d.write(pk);
        String keyLine = "ssh-ed25519 " + Base64.getEncoder().encodeToString(blob.toByteArray()) + " loghost\n";
        String fp = "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(blob.toByteArray()));
        String unsigned = "receipt v1 host=web01 stream=syslog.0123456789abcdef cseq=43 seq=1207 digest="
                + "a5d061f507f3ec94dae9ff0ae341bec2593047889d1f5f78bdf40d0cf6d11a08 time=2026-11-24T10:00:01.250Z key="
                + fp;
        byte[] signed = ("loghost-receipt v1\n" + unsigned).getBytes(StandardCharsets.US_ASCII);
        byte[] sig = new byte[64];
        Ed25519.sign(seed, 0, signed, 0, signed.length, sig, 0);
        String receipt = unsigned + " sig=" + HexFormat.of().formatHex(sig) + "\n";
        String expected = "expected:\n" + keyLine + "----\n" + receipt;
        assertEquals(keyLine, block("key"), expected);
        assertEquals(receipt, block("receipt"), expected);

        // And loghost's own parser and check accept it with the key line from the doc.
        Object[] key = ReceiptCheck.parseOpenSshKey(block("key"));
        assertEquals(fp, key[1]);
        Receipt r = Receipt.parse(block("receipt").strip());
        assertTrue(r.signedBy((VerificationKey) key[0]));
        assertEquals(1207, r.seq());
    }
}

import java.security.SecureRandom;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.mac.Mac;

/**
 * How fast MINA SSHD's own cipher implementations seal SSH packets on this JVM: 32 KiB payloads with the 4-byte
 * length as associated data, as the transport does; the non-AEAD cipher pays for its ETM MAC too. Prints MB/s and
 * each figure as a ratio to aes128-gcm measured in the same run. Run by bench/ciphers.
 */
public final class CipherThroughput {

    private static final int PAYLOAD = 32 * 1024;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        BuiltinCiphers[] ciphers = {BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm,
            BuiltinCiphers.cc20p1305_openssh, BuiltinCiphers.aes128ctr};
        System.out.printf("%-32s %12s %8s%n", "cipher (in-JVM, 32 KiB packets)", "MB/s", "ratio");
        double base = 0;
        for (BuiltinCiphers bc : ciphers) {
            double mbps = measure(bc, seconds / 3); // warm-up
            mbps = Math.max(measure(bc, seconds), measure(bc, seconds));
            if (base == 0) {
                base = mbps;
            }
            System.out.printf("%-32s %12.0f %7.2fx%n", bc.getName(), mbps, mbps / base);
        }
    }

    private static double measure(BuiltinCiphers bc, double seconds) throws Exception {
        SecureRandom rnd = new SecureRandom();
        Cipher c = bc.create();
        byte[] key = new byte[c.getKdfSize()];
        byte[] iv = new byte[c.getIVSize()];
        rnd.nextBytes(key);
        if (bc != BuiltinCiphers.cc20p1305_openssh) {
            rnd.nextBytes(iv); // for ChaCha20-Poly1305 the "IV" is the packet sequence number: it starts at 0
        }
        c.init(Cipher.Mode.Encrypt, key, iv);
        Mac mac = null;
        if (c.getAuthenticationTagSize() == 0) {
            mac = BuiltinMacs.hmacsha256etm.create();
            byte[] macKey = new byte[mac.getDefaultBlockSize()];
            rnd.nextBytes(macKey);
            mac.init(macKey);
        }
        byte[] packet = new byte[4 + PAYLOAD + Math.max(c.getAuthenticationTagSize(), 32)];
        rnd.nextBytes(packet);
        long bytes = 0;
        long seq = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++) {
                if (mac == null) {
                    c.updateWithAAD(packet, 0, 4, PAYLOAD);
                } else {
                    c.update(packet, 4, PAYLOAD);
                    mac.updateUInt(seq++);
                    mac.update(packet, 0, 4 + PAYLOAD);
                    mac.doFinal(packet, 4 + PAYLOAD);
                }
                bytes += PAYLOAD;
            }
        }
        return bytes / ((System.nanoTime() - start) / 1e9) / 1e6;
    }
}

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.util.concurrent.Callable;
import javax.crypto.KeyAgreement;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyGenerationParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyPairGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePublicKeyParameters;

/**
 * CPU per step of a connection's server-side cryptography, each step alone in a warm loop on one thread (thread CPU
 * time): the sntrup761 encapsulation before (BouncyCastle) and after (loghost.ssh.Sntrup761), X25519, the Ed25519
 * host-key signature and the user key's signature check, each through the provider the server's JFR profile shows
 * (BouncyCastle, which MINA registers). Run from the project root after `mvn package`:
 *
 *   java -cp 'target/classes:target/lib/*' bench/ConnectionSteps.java [iterations, 2000]
 *
 * A benchmark, not a test: it prints figures and never fails on them (docs/PERFORMANCE.md, "Connection cost").
 */
public class ConnectionSteps {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Security.addProvider(new BouncyCastleProvider());
        SecureRandom random = new SecureRandom();
        SNTRUPrimeKeyPairGenerator g = new SNTRUPrimeKeyPairGenerator();
        g.init(new SNTRUPrimeKeyGenerationParameters(random, SNTRUPrimeParameters.sntrup761));
        SNTRUPrimePublicKeyParameters pk = (SNTRUPrimePublicKeyParameters) g.generateKeyPair().getPublic();
        byte[] pkBytes = pk.getEncoded();
        Method ours = Class.forName("loghost.ssh.Sntrup761").getDeclaredMethod("encapsulate", byte[].class,
                SecureRandom.class);
        ours.setAccessible(true);

        KeyPair client = KeyPairGenerator.getInstance("X25519", "BC").generateKeyPair();
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519", "BC").generateKeyPair();
        byte[] h = new byte[64];
        Signature verifier = Signature.getInstance("Ed25519", "BC");
        Signature signer = Signature.getInstance("Ed25519", "BC");
        signer.initSign(ed.getPrivate());
        signer.update(h);
        byte[] sig = signer.sign();

        time("sntrup761 encapsulation, BouncyCastle (before)", n / 4,
                () -> new SNTRUPrimeKEMGenerator(random).generateEncapsulated(pk));
        time("sntrup761 encapsulation, Sntrup761 (after)", n, () -> invoke(ours, pkBytes, random));
        time("X25519 key pair + agreement (BouncyCastle)", n, () -> {
            KeyPair server = KeyPairGenerator.getInstance("X25519", "BC").generateKeyPair();
            KeyAgreement ka = KeyAgreement.getInstance("X25519", "BC");
            ka.init(server.getPrivate());
            ka.doPhase(client.getPublic(), true);
            return ka.generateSecret();
        });
        time("Ed25519 host-key signature (BouncyCastle)", n, () -> {
            signer.initSign(ed.getPrivate());
            signer.update(h);
            return signer.sign();
        });
        time("Ed25519 user-key signature check (BouncyCastle)", n, () -> {
            verifier.initVerify(ed.getPublic());
            verifier.update(h);
            return verifier.verify(sig);
        });
    }

    private static Object invoke(Method m, Object... args) throws ReflectiveOperationException {
        return m.invoke(null, args);
    }

    private static void time(String name, int n, Callable<Object> step) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < n; i++) {
            step.call(); // warm-up: the JIT's
        }
        long cpu = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            step.call();
        }
        double ms = (mx.getCurrentThreadCpuTime() - cpu) / 1e6 / n;
        System.out.printf("%-50s %8.3f ms CPU per operation (%d operations)%n", name, ms, n);
    }
}

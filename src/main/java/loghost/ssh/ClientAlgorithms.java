package loghost.ssh;

import java.util.ArrayList;
import java.util.List;
import loghost.config.Settings;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.kex.BuiltinDHFactories;

/** The server's vetted and configured algorithm choice ({@link CryptoPolicy}), applied to an SSH client (pull mode). */
public final class ClientAlgorithms {

    private ClientAlgorithms() {
    }

    /** Gives {@code client} exactly the configured ciphers, MACs, key exchanges and signatures, and no compression. */
    public static void apply(SshClient client, Settings.Crypto crypto) {
        CryptoPolicy policy = CryptoPolicy.quiet(crypto); // validates every name; serve said at start what it skips
        List<BuiltinDHFactories> kex = new ArrayList<>();
        for (String n : crypto.kexAlgorithms()) {
            BuiltinDHFactories f = CryptoPolicy.KEX.get(n);
            if (f.isSupported()) {
                kex.add(f);
            }
        }
        client.setKeyExchangeFactories(NamedFactory.setUpTransformedFactories(false, kex, ClientBuilder.DH2KEX));
        client.setCipherFactories(policy.ciphers());
        client.setMacFactories(policy.macs());
        client.setSignatureFactories(policy.signatures());
        client.setCompressionFactories(CryptoPolicy.compressions());
    }
}

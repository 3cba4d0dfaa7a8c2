package loghost.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * MINA's SSH client against a loghost on 127.0.0.1, for what the stock {@code ssh} will not do: several channels on
 * one connection, a connection that authenticates and opens nothing, requests of any type.
 */
public final class MinaClient implements AutoCloseable {

    private static final Duration WAIT = Await.WAIT;

    private final SshClient client;

    /** A started client that trusts only the host key in {@code data}. */
    public MinaClient(Path data) throws IOException, GeneralSecurityException {
        String hostPub = Files.readString(data.resolve("ssh_host_ed25519_key.pub")).strip();
        PublicKey hostKey = PublicKeyEntry.parsePublicKeyEntry(hostPub).resolvePublicKey(null, Map.of(), null);
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(new RequiredServerKeyVerifier(hostKey));
        client.start();
    }

    /** The underlying client, for tests that tune it. */
    public SshClient client() {
        return client;
    }

    /** The key pair in an OpenSSH private key file made by {@link KeyGen}. */
    public static KeyPair keyPair(Path key) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(key)) {
            return SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(key.toString()), in, null)
                    .iterator().next();
        }
    }

    /** Connects to {@code port} (not yet authenticated). */
    public ClientSession connect(int port) throws IOException {
        return client.connect("log", "127.0.0.1", port).verify(WAIT).getSession();
    }

    /** Connects to {@code port} and authenticates with {@code key}. */
    public ClientSession login(int port, Path key) throws IOException, GeneralSecurityException {
        ClientSession session = connect(port);
        session.addPublicKeyIdentity(keyPair(key));
        session.auth().verify(WAIT);
        return session;
    }

    /** Opens an exec channel running {@code command} on {@code session}; its stdin is {@link ChannelExec#getInvertedIn}. */
    public static ChannelExec exec(ClientSession session, String command) throws IOException {
        return exec(session, command, OutputStream.nullOutputStream());
    }

    /** As {@link #exec(ClientSession, String)}, with the channel's stderr going to {@code err}. */
    public static ChannelExec exec(ClientSession session, String command, OutputStream err) throws IOException {
        ChannelExec ch = session.createExecChannel(command);
        ch.setErr(err);
        ch.open().verify(WAIT);
        return ch;
    }

    /** Writes one line to a channel's stdin and flushes it. */
    public static void writeLine(ChannelExec ch, String line) throws IOException {
        ch.getInvertedIn().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        ch.getInvertedIn().flush();
    }

    /** Waits until the channel is closed; returns its exit status, or null if none came. */
    public static Integer awaitExit(ChannelExec ch, Duration timeout) {
        // Every caller asserts an exit status: the given timeout is scaled, and never below Await.WAIT.
        Duration limit = Await.scaled(timeout).compareTo(Await.WAIT) < 0 ? Await.WAIT : Await.scaled(timeout);
        ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), limit);
        return ch.getExitStatus();
    }

    @Override
    public void close() throws IOException {
        client.stop();
        client.close();
    }
}

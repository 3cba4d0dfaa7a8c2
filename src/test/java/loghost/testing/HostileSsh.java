package loghost.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelSession;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * An SSH client that sends what the stock {@code ssh} will not: arbitrary bytes in every field a client controls.
 * Before key exchange it is a plain socket (the binary packet protocol is unencrypted until NEWKEYS); after it,
 * MINA's client carries hand-built userauth and channel messages.
 */
public final class HostileSsh implements AutoCloseable {

    /** The ten name-lists of SSH_MSG_KEXINIT, in wire order (RFC 4253 section 7.1). */
    public static final List<String> KEXINIT_LISTS = List.of("kex_algorithms", "server_host_key_algorithms",
            "encryption_algorithms_client_to_server", "encryption_algorithms_server_to_client",
            "mac_algorithms_client_to_server", "mac_algorithms_server_to_client",
            "compression_algorithms_client_to_server", "compression_algorithms_server_to_client",
            "languages_client_to_server", "languages_server_to_client");

    /** Name-lists a loghost server accepts, so that one hostile list at a time is what fails or is logged. */
    public static final List<String> ACCEPTABLE_KEXINIT = List.of("curve25519-sha256", "ssh-ed25519",
            "aes128-gcm@openssh.com", "aes128-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com",
            "hmac-sha2-256-etm@openssh.com", "none", "none", "", "");

    private static final Duration WAIT = Await.scaled(Duration.ofSeconds(20));

    private final SshClient client;

    /** A started MINA client that accepts any server key (the attacker does not care whom it talks to). */
    public HostileSsh() {
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, address, key) -> true);
        client.start();
    }

    /** Opens a plain TCP connection to 127.0.0.1:{@code port} for pre-key-exchange messages. */
    public static Raw raw(int port) throws IOException {
        return new Raw(port);
    }

    /** Connects as {@code user} and completes key exchange; nothing else is sent yet. */
    public Connection connect(int port, String user) throws IOException {
        ClientSession session = client.connect(user, "127.0.0.1", port).verify(WAIT).getSession();
        Set<ClientSession.ClientSessionEvent> state = session.waitFor(
                EnumSet.of(ClientSession.ClientSessionEvent.WAIT_AUTH, ClientSession.ClientSessionEvent.CLOSED),
                WAIT);
        if (!state.contains(ClientSession.ClientSessionEvent.WAIT_AUTH)) {
            session.close(true);
            throw new IOException("key exchange did not complete: " + state);
        }
        return new Connection(session);
    }

    @Override
    public void close() throws IOException {
        client.stop();
        client.close();
    }

    /** The SSH "string" encoding: uint32 length, then the bytes. */
    static void putString(ByteArrayOutputStream out, byte[] s) {
        putInt(out, s.length);
        out.writeBytes(s);
    }

    private static void putInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** A plain socket speaking the cleartext start of SSH: identification line, then unencrypted packets. */
    public static final class Raw implements Closeable {

        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final SecureRandom random = new SecureRandom();

        private Raw(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
            socket.setSoTimeout((int) WAIT.toMillis());
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        /** Sends {@code line} followed by CR LF as the client's identification string. */
        public Raw identification(byte[] line) throws IOException {
            out.write(line);
            out.write(new byte[] {'\r', '\n'});
            out.flush();
            return this;
        }

        /** Sends one unencrypted binary packet: uint32 packet_length, byte padding_length, payload, padding. */
        public Raw packet(byte[] payload) throws IOException {
            int padding = 8 - (5 + payload.length) % 8;
            if (padding < 4) {
                padding += 8;
            }
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            putInt(p, 1 + payload.length + padding);
            p.write(padding);
            p.writeBytes(payload);
            byte[] pad = new byte[padding];
            random.nextBytes(pad);
            p.writeBytes(pad);
            out.write(p.toByteArray());
            out.flush();
            return this;
        }

        /** Sends SSH_MSG_KEXINIT with these ten name-lists, taken as raw bytes (commas included). */
        public Raw kexinit(List<byte[]> nameLists) throws IOException {
            if (nameLists.size() != KEXINIT_LISTS.size()) {
                throw new IllegalArgumentException("KEXINIT has " + KEXINIT_LISTS.size() + " name-lists");
            }
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            p.write(SshConstants.SSH_MSG_KEXINIT);
            byte[] cookie = new byte[16];
            random.nextBytes(cookie);
            p.writeBytes(cookie);
            for (byte[] list : nameLists) {
                putString(p, list);
            }
            p.write(0); // first_kex_packet_follows
            putInt(p, 0); // reserved
            return packet(p.toByteArray());
        }

        /** Sends SSH_MSG_DEBUG (always_display) with {@code message}. */
        public Raw debug(byte[] message) throws IOException {
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            p.write(SshConstants.SSH_MSG_DEBUG);
            p.write(1);
            putString(p, message);
            putString(p, new byte[0]);
            return packet(p.toByteArray());
        }

        /** Sends SSH_MSG_DISCONNECT with {@code reason} and {@code description}. */
        public Raw disconnect(int reason, byte[] description) throws IOException {
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            p.write(SshConstants.SSH_MSG_DISCONNECT);
            putInt(p, reason);
            putString(p, description);
            putString(p, new byte[0]);
            return packet(p.toByteArray());
        }

        /**
         * Sends {@code n} random bytes: a server that reads a little more of a broken stream before it drops the
         * connection (MINA does, so as not to tell an attacker where the stream broke) gets them at once.
         */
        public Raw garbage(int n) throws IOException {
            byte[] junk = new byte[n];
            random.nextBytes(junk);
            try {
                out.write(junk);
                out.flush();
            } catch (IOException closedAlready) {
                // The server may have closed the connection already: what garbage is for.
            }
            return this;
        }

        /** Reads whatever the server sends until it closes; false if it is still open after {@code timeout}. */
        public boolean awaitServerClose(Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] buf = new byte[8192];
            try {
                while (in.read(buf) >= 0) {
                    // the server's identification and KEXINIT, then perhaps a DISCONNECT: not needed here
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                // A reset is the server closing too.
                return e.getMessage() != null && e.getMessage().contains("reset");
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A MINA client session after key exchange, sending hand-built messages. */
    public static final class Connection implements AutoCloseable {

        private final ClientSession session;

        private Connection(ClientSession session) {
            this.session = session;
        }

        /** The MINA session, for what this class does not wrap. */
        public ClientSession session() {
            return session;
        }

        /** Sends SSH_MSG_SERVICE_REQUEST for {@code service} (normally "ssh-userauth"). */
        public Connection serviceRequest(byte[] service) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_SERVICE_REQUEST);
            b.putBytes(service);
            session.writePacket(b);
            return this;
        }

        /** Sends SSH_MSG_USERAUTH_REQUEST for service "ssh-connection" with {@code method} and no method data. */
        public Connection userauth(byte[] user, byte[] method) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_REQUEST);
            b.putBytes(user);
            b.putBytes("ssh-connection".getBytes(StandardCharsets.US_ASCII));
            b.putBytes(method);
            session.writePacket(b);
            return this;
        }

        /** Sends a "publickey" query (no signature) naming {@code algorithm} for {@code key}. */
        public Connection publickeyQuery(byte[] user, byte[] algorithm, PublicKey key) throws IOException {
            return publickeyQuery(user, algorithm, blob(key));
        }

        /** Sends a "publickey" query (no signature) with {@code algorithm} and an arbitrary key {@code blob}. */
        public Connection publickeyQuery(byte[] user, byte[] algorithm, byte[] blob) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_REQUEST);
            b.putBytes(user);
            b.putBytes("ssh-connection".getBytes(StandardCharsets.US_ASCII));
            b.putBytes("publickey".getBytes(StandardCharsets.US_ASCII));
            b.putBoolean(false);
            b.putBytes(algorithm);
            b.putBytes(blob);
            session.writePacket(b);
            return this;
        }

        /** The SSH wire encoding of a public key (the "key blob"). */
        public static byte[] blob(PublicKey key) {
            Buffer blob = new ByteArrayBuffer();
            blob.putRawPublicKey(key);
            return blob.getCompactData();
        }

        /**
         * Waits until the server has handled everything sent before, on a connection that is not authenticated:
         * a request for a service that does not exist makes the server close the connection, after the messages
         * ahead of it. True if it closed within the wait.
         */
        public boolean closeByServer() throws IOException {
            serviceRequest("no-such-service@loghost.test".getBytes(StandardCharsets.US_ASCII));
            Set<ClientSession.ClientSessionEvent> state = session.waitFor(
                    EnumSet.of(ClientSession.ClientSessionEvent.CLOSED), WAIT);
            return state.contains(ClientSession.ClientSessionEvent.CLOSED);
        }

        /** Authenticates with {@code key} the ordinary way. */
        public Connection authenticate(KeyPair key) throws IOException {
            session.addPublicKeyIdentity(key);
            session.auth().verify(WAIT);
            return this;
        }

        /** Opens a "session" channel (after authentication). */
        public ChannelSession openSessionChannel() throws IOException {
            // A bare session channel: MINA's shell/exec/subsystem channels would send their own request on open.
            ChannelSession channel = new ChannelSession();
            session.getService(ConnectionService.class).registerChannel(channel);
            channel.open().verify(WAIT);
            return channel;
        }

        /**
         * Sends SSH_MSG_CHANNEL_REQUEST of {@code type} on {@code channel}, want-reply false, followed by
         * {@code strings} as SSH strings (e.g. the command of "exec", name and value of "env").
         */
        public Connection channelRequest(ClientChannel channel, byte[] type, byte[]... strings) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
            b.putUInt(channel.getRecipient());
            b.putBytes(type);
            b.putBoolean(false);
            for (byte[] s : strings) {
                b.putBytes(s);
            }
            session.writePacket(b);
            return this;
        }

        /** Sends "pty-req" on {@code channel} with terminal type {@code term} (80x24, no modes), want-reply false. */
        public Connection ptyRequest(ClientChannel channel, byte[] term) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
            b.putUInt(channel.getRecipient());
            b.putString("pty-req");
            b.putBoolean(false);
            b.putBytes(term);
            b.putUInt(80);
            b.putUInt(24);
            b.putUInt(0);
            b.putUInt(0);
            b.putBytes(new byte[] {0}); // encoded terminal modes: TTY_OP_END
            session.writePacket(b);
            return this;
        }

        /** Sends "x11-req" on {@code channel} with auth {@code protocol} and {@code cookie}, want-reply false. */
        public Connection x11Request(ClientChannel channel, byte[] protocol, byte[] cookie) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST);
            b.putUInt(channel.getRecipient());
            b.putString("x11-req");
            b.putBoolean(false);
            b.putBoolean(false);
            b.putBytes(protocol);
            b.putBytes(cookie);
            b.putUInt(0);
            session.writePacket(b);
            return this;
        }

        /** Sends SSH_MSG_CHANNEL_OPEN of {@code type} (the server's answer is left to MINA). */
        public Connection channelOpen(byte[] type) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN);
            b.putBytes(type);
            b.putUInt(0x7ffffff0L); // a sender channel MINA never allocates
            b.putUInt(32768);
            b.putUInt(32768);
            session.writePacket(b);
            return this;
        }

        /** Sends SSH_MSG_GLOBAL_REQUEST named {@code name}, want-reply false. */
        public Connection globalRequest(byte[] name) throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            b.putBytes(name);
            b.putBoolean(false);
            session.writePacket(b);
            return this;
        }

        /**
         * Waits until the server has handled everything sent before: a global keepalive request is answered
         * only after the messages ahead of it (authenticated sessions only).
         */
        public Connection roundTrip() throws IOException {
            Buffer b = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            b.putString("keepalive@openssh.com");
            b.putBoolean(true);
            session.request("keepalive@openssh.com", b, WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return this;
        }

        /** True once the server has closed this connection. */
        public boolean isClosed() {
            return session.isClosed() || session.isClosing();
        }

        @Override
        public void close() {
            session.close(true);
        }
    }
}

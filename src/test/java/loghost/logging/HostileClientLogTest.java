package loghost.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import loghost.testing.Await;
import loghost.testing.Cli;
import loghost.testing.HostileSsh;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.ServerProcess;
import org.apache.sshd.client.channel.ChannelSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever bytes a client puts into any field it controls, before or after authentication, every line the server
 * writes to stderr is one line of printable text that starts as a log line, and the audit trail stays escaped.
 */
class HostileClientLogTest {

    private static final String FORGED = "refused reason=fake source=10.66.66.66";
    private static final Pattern LOG_LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR) \\S+ (.*)");

    /** Each a way to start a line of one's own, drive the operator's terminal or reorder what it shows. */
    private static final List<byte[]> PAYLOADS = List.of(
            utf8("x\n" + FORGED),
            utf8("x\r\n" + FORGED),
            utf8("x\r" + FORGED + "\u001b[K"),
            utf8("x\u001b[2J\u001b[H\u001b]0;title\u0007" + FORGED),
            bytes("x", new byte[] {0}, FORGED),
            bytes("x", new byte[] {(byte) 0x9b, '2', 'J', (byte) 0xc2, (byte) 0x9b, '2', 'J', '\n'}, FORGED),
            utf8("x\u202e" + FORGED + "\u2066\u200f\ufeff\u2028" + FORGED),
            bytes("x", new byte[] {(byte) 0xff, (byte) 0xc0, (byte) 0x8a, (byte) 0xed, (byte) 0xa0, (byte) 0x80, '\n'},
                    FORGED));

    @TempDir
    Path dir;

    private Path data;
    private Path stderr;
    private ServerProcess server;
    private HostileSsh kit;
    private KeyPair key;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String head, byte[] middle, String tail) {
        byte[] h = utf8(head);
        byte[] t = utf8(tail);
        byte[] all = new byte[h.length + middle.length + t.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(middle, 0, all, h.length, middle.length);
        System.arraycopy(t, 0, all, h.length + middle.length, t.length);
        return all;
    }

    @BeforeEach
    void startServerWithAnEnrolledHost() throws Exception {
        data = dir.resolve("data");
        stderr = dir.resolve("stderr.txt");
        Path keyFile = KeyGen.generate(dir, "k", "ed25519");
        server = ServerProcess.start(data, stderr, dir.resolve("known_hosts"), "-Xmx128m");
        Run.Result enrolled = Cli.run(data, "enroll", "web01", KeyGen.pub(keyFile).toString());
        assertEquals(0, enrolled.exit(), enrolled::toString);
        try (InputStream in = Files.newInputStream(keyFile)) {
            key = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(keyFile.toString()), in, null)
                    .iterator().next();
        }
        kit = new HostileSsh();
    }

    @AfterEach
    void stop() throws Exception {
        if (kit != null) {
            kit.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void hostileBytesInEveryClientFieldNeverForgeOrBreakALogLine() throws Exception {
        for (Field f : Field.values()) {
            send(f, PAYLOADS);
        }
        awaitInStderr(FORGED);
        assertLogIsSafe();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void seededRandomHostileStringsNeverForgeOrBreakALogLine() throws Exception {
        Random random = new Random(0x5eed_0008L);
        List<List<byte[]>> byField = new ArrayList<>();
        for (int i = 0; i < Field.values().length; i++) {
            byField.add(new ArrayList<>());
        }
        for (int i = 0; i < 200; i++) {
            byField.get(random.nextInt(Field.values().length)).add(randomHostile(random));
        }
        for (Field f : Field.values()) {
            // Fields sent on one connection go in batches; those that fix the connection (user, banner, KEXINIT)
            // take one each.
            send(f, byField.get(f.ordinal()));
        }
        awaitInStderr(FORGED);
        assertLogIsSafe();
    }

    /** Bytes a client might send to confuse a log reader: controls, C1, bidi, invalid UTF-8, and a forged line. */
    private static byte[] randomHostile(Random random) {
        byte[][] pieces = {{0}, {'\n'}, {'\r'}, {'\t'}, {0x1b, '['}, {0x1b, ']'}, {0x07}, {0x7f}, {(byte) 0x85},
                {(byte) 0x9b}, {(byte) 0xc2, (byte) 0x85}, {(byte) 0xc2, (byte) 0x9b}, utf8("\u202e"), utf8("\u2066"),
                utf8("\u2028"), utf8("\u2029"), utf8("\u200e"), utf8("\u061c"), utf8("\ufeff"), {(byte) 0xff},
                {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xe2, (byte) 0x80},
                utf8(FORGED), utf8(" "), utf8("\\"), utf8("\""), utf8("a"), utf8(","), utf8("\u00e9")};
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write('x');
        int n = 1 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
            out.writeBytes(pieces[random.nextInt(pieces.length)]);
        }
        out.writeBytes(utf8("\n" + FORGED));
        return out.toByteArray();
    }

    /** Every field of the SSH protocol a client controls and the server may put into a log line. */
    enum Field {
        BANNER_COMMENT, KEX_ALGORITHMS, HOST_KEY_ALGORITHMS, CIPHERS_C2S, CIPHERS_S2C, MACS_C2S, MACS_S2C,
        COMPRESSION_C2S, COMPRESSION_S2C, LANGUAGES_C2S, LANGUAGES_S2C, KEX_NAME_AFTER_A_GOOD_ONE, DEBUG_MESSAGE,
        DISCONNECT_DESCRIPTION, USER_NAME, AUTH_METHOD, PUBLICKEY_ALGORITHM, PUBLICKEY_BLOB, USER_NAME_AUTHENTICATED,
        CHANNEL_REQUEST_TYPE, EXEC_COMMAND, SUBSYSTEM_NAME, ENV_NAME, ENV_VALUE, SIGNAL_NAME, PTY_TERMINAL_TYPE,
        X11_AUTH_PROTOCOL, X11_AUTH_COOKIE, CHANNEL_TYPE, GLOBAL_REQUEST_NAME
    }

    private void send(Field field, List<byte[]> values) throws Exception {
        switch (field) {
            case BANNER_COMMENT, KEX_ALGORITHMS, HOST_KEY_ALGORITHMS, CIPHERS_C2S, CIPHERS_S2C, MACS_C2S, MACS_S2C,
                    COMPRESSION_C2S, COMPRESSION_S2C, LANGUAGES_C2S, LANGUAGES_S2C, KEX_NAME_AFTER_A_GOOD_ONE,
                    DEBUG_MESSAGE, DISCONNECT_DESCRIPTION -> {
                for (byte[] v : values) {
                    beforeKeyExchange(field, v);
                }
            }
            case USER_NAME -> {
                // The user name is fixed by the first request of a connection: one connection each.
                for (byte[] v : values) {
                    try (HostileSsh.Connection c = kit.connect(server.port(), "log")) {
                        c.userauth(v, utf8("none")).publickeyQuery(v, utf8("ssh-ed25519"), key.getPublic());
                        assertTrue(c.closeByServer(), "server kept a connection open after an unknown service");
                    }
                }
            }
            case AUTH_METHOD, PUBLICKEY_ALGORITHM, PUBLICKEY_BLOB -> {
                // At most 8 requests a connection: max-auth-requests (10) would cut it off.
                for (int i = 0; i < values.size(); i += 8) {
                    try (HostileSsh.Connection c = kit.connect(server.port(), "log")) {
                        for (byte[] v : values.subList(i, Math.min(values.size(), i + 8))) {
                            switch (field) {
                                case AUTH_METHOD -> c.userauth(utf8("log"), v);
                                case PUBLICKEY_ALGORITHM -> c.publickeyQuery(utf8("log"), v, key.getPublic());
                                default -> c.publickeyQuery(utf8("log"), utf8("ssh-ed25519"),
                                        bytes("", sshString(v), "rest"));
                            }
                        }
                        assertTrue(c.closeByServer(), "server kept a connection open after an unknown service");
                    }
                }
            }
            case USER_NAME_AUTHENTICATED -> {
                // MINA's client sends the user name as UTF-8 of a String: invalid UTF-8 arrives as U+FFFD.
                for (byte[] v : values) {
                    try (HostileSsh.Connection c = kit.connect(server.port(), new String(v, StandardCharsets.UTF_8))) {
                        c.authenticate(key);
                        ChannelSession channel = c.openSessionChannel();
                        c.channelRequest(channel, utf8("no-such-request@loghost.test")).roundTrip();
                    } catch (IOException refused) {
                        // A server may refuse such a user name, or close on the unknown request: either is safe,
                        // and what it logged on the way is checked at the end.
                    }
                }
            }
            default -> afterAuthentication(field, values);
        }
    }

    /** One plain-socket connection carrying {@code value} in {@code field}, then a DISCONNECT. */
    private void beforeKeyExchange(Field field, byte[] value) throws IOException {
        List<byte[]> lists = new ArrayList<>(HostileSsh.ACCEPTABLE_KEXINIT.stream().map(HostileClientLogTest::utf8)
                .toList());
        byte[] ident = utf8("SSH-2.0-hostile");
        switch (field) {
            case BANNER_COMMENT -> ident = bytes("SSH-2.0-OpenSSH_9.2 ", value, "");
            case KEX_NAME_AFTER_A_GOOD_ONE -> lists.set(0, bytes("curve25519-sha256,", value, ""));
            case DEBUG_MESSAGE, DISCONNECT_DESCRIPTION -> {
                // the value goes after the KEXINIT
            }
            default -> lists.set(field.ordinal() - Field.KEX_ALGORITHMS.ordinal(), value);
        }
        try (HostileSsh.Raw r = HostileSsh.raw(server.port())) {
            try {
                r.identification(ident).kexinit(lists);
                if (field == Field.DEBUG_MESSAGE) {
                    r.debug(value);
                }
                r.disconnect(11, field == Field.DISCONNECT_DESCRIPTION ? value : utf8("bye"));
            } catch (SocketException closedEarly) {
                // The server dropped the connection at the hostile value (a failed negotiation, a NUL in the
                // banner) before the rest was written: what it should do; awaitServerClose confirms it.
            }
            if (field == Field.BANNER_COMMENT) {
                // A line break in the banner makes the rest of it a broken packet; MINA then waits for more bytes
                // and holds the connection until the auth timeout rather than closing it: do not wait for that.
                r.awaitServerClose(Duration.ofSeconds(2));
            } else {
                assertTrue(r.awaitServerClose(Duration.ofSeconds(20)), "server kept the connection open after a"
                        + " DISCONNECT");
            }
        }
    }

    /** Values for {@code field} on authenticated connections, one opened again whenever a refusal closes it. */
    private void afterAuthentication(Field field, List<byte[]> values) throws Exception {
        HostileSsh.Connection c = null;
        try {
            for (byte[] v : values) {
                if (c == null || c.isClosed()) {
                    if (c != null) {
                        c.close();
                    }
                    c = kit.connect(server.port(), "log");
                    c.authenticate(key);
                }
                try {
                    sendAuthenticated(c, field, v);
                } catch (IOException e) {
                    if (!c.isClosed()) {
                        throw e;
                    }
                    // The server closed the connection at this value (a refusal may): the next gets a new one.
                }
            }
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    private static void sendAuthenticated(HostileSsh.Connection c, Field field, byte[] v) throws IOException {
        if (field == Field.CHANNEL_TYPE) {
            c.channelOpen(v).roundTrip();
            return;
        }
        if (field == Field.GLOBAL_REQUEST_NAME) {
            c.globalRequest(v).roundTrip();
            return;
        }
        ChannelSession channel = c.openSessionChannel();
        try {
            switch (field) {
                case CHANNEL_REQUEST_TYPE -> c.channelRequest(channel, v);
                case EXEC_COMMAND -> c.channelRequest(channel, utf8("exec"), v);
                case SUBSYSTEM_NAME -> c.channelRequest(channel, utf8("subsystem"), v);
                case ENV_NAME -> c.channelRequest(channel, utf8("env"), v, utf8("1"));
                case ENV_VALUE -> c.channelRequest(channel, utf8("env"), utf8("LANG"), v);
                case SIGNAL_NAME -> c.channelRequest(channel, utf8("signal"), v);
                case PTY_TERMINAL_TYPE -> c.ptyRequest(channel, v);
                case X11_AUTH_PROTOCOL -> c.x11Request(channel, v, utf8("00"));
                case X11_AUTH_COOKIE -> c.x11Request(channel, utf8("MIT-MAGIC-COOKIE-1"), v);
                default -> throw new IllegalArgumentException(field.name());
            }
            c.roundTrip();
        } finally {
            // Gracefully, so that the server has closed its end too before the next channel is opened.
            channel.close(false).await(Duration.ofSeconds(20));
        }
    }

    private static byte[] sshString(byte[] v) {
        return ByteBuffer.allocate(4 + v.length).putInt(v.length).put(v).array();
    }

    private void awaitInStderr(String fragment) throws Exception {
        Await.until(() -> "client text in the log (without it the test would prove nothing)",
                () -> server.stderr().contains(fragment));
    }

    private void assertLogIsSafe() throws Exception {
        byte[] raw = Files.readAllBytes(stderr);
        String text = strictUtf8(raw, "server stderr");
        String[] lines = text.split("\n", -1);
        assertEquals("", lines[lines.length - 1], "stderr ends with a whole line");
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            assertPrintable(line, "stderr line " + (i + 1));
            var m = LOG_LINE.matcher(line);
            assertTrue(m.matches(), () -> "a stderr line that is not a log line: " + line);
            assertFalse(m.group(2).startsWith("refused reason=fake"), () -> "forged line: " + line);
        }
        try (Stream<Path> files = Files.list(data.resolve("hosts").resolve("_loghost"))) {
            for (Path f : files.toList()) {
                String audit = strictUtf8(Files.readAllBytes(f), f.toString());
                String[] records = audit.split("\n", -1);
                for (int i = 0; i < records.length; i++) {
                    assertPrintable(records[i], f.getFileName() + " line " + (i + 1));
                }
            }
        }
    }

    private static String strictUtf8(byte[] raw, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError(what + " is not valid UTF-8: " + e);
        }
    }

    /** No C0 control (CR, ESC, NUL, TAB...), DEL, C1, line/paragraph separator, bidi control or BOM. */
    private static void assertPrintable(String line, String where) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            boolean bad = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029
                    || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f
                    || c == 0x061c || c == 0xfeff;
            if (bad) {
                int at = i;
                throw new AssertionError(String.format("raw U+%04X in %s: %s", (int) c, where,
                        line.substring(0, at) + "<HERE>" + line.substring(at)));
            }
        }
    }
}

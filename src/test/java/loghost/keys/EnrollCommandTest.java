package loghost.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code loghost enroll / keys / revoke}, through the real CLI, checked against the real ssh-keygen. */
class EnrollCommandTest {

    @TempDir
    Path dir;

    private TestServer server;

    @BeforeEach
    void server() throws Exception {
        server = new TestServer(dir, "");
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void keysListsWhatSshKeygenPrintsForEveryKeyType() throws Exception {
        Path ed = KeyGen.generate(dir, "ed", "ed25519");
        Path ec = KeyGen.generate(dir, "ec", "ecdsa", "-b", "384");
        Path rsa = KeyGen.generate(dir, "rsa", "rsa", "-b", "3072");
        Run.Result r = server.cli("enroll", "web01", KeyGen.pub(ed).toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("enrolled web01 ssh-ed25519 " + KeyGen.fingerprint(KeyGen.pub(ed)) + " ed@test\n", r.stdout());
        assertEquals(0, server.cli("enroll", "db01", KeyGen.pub(ec).toString()).exit());
        assertEquals(0, server.cli("enroll", "--from", "127.0.0.1,10.0.0.0/8", "mail.example.org",
                KeyGen.pub(rsa).toString()).exit());

        List<String> lines = server.cli("keys").stdout().lines().toList();
        assertEquals("HOST\tTYPE\tFINGERPRINT\tCOMMENT\tENROLLED\tFROM", lines.get(0));
        assertEquals(4, lines.size());
        String[] row = lines.get(3).split("\t");
        assertEquals("mail.example.org", row[0]);
        assertEquals("ssh-rsa", row[1]);
        assertEquals(KeyGen.fingerprint(KeyGen.pub(rsa)), row[2]);
        assertEquals("rsa@test", row[3]);
        assertTrue(row[4].matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), row[4]);
        assertEquals("127.0.0.1,10.0.0.0/8", row[5]);

        // ssh-keygen reads the enrolled-keys file itself and agrees on every fingerprint, in order.
        Run.Result kg = Run.run("ssh-keygen", "-lf", server.data().resolve("enrolled_keys").toString());
        assertEquals(0, kg.exit(), kg::toString);
        List<String> fromKeygen = kg.stdout().lines().map(l -> l.split(" ")[1]).toList();
        assertEquals(List.of(KeyGen.fingerprint(KeyGen.pub(ed)), KeyGen.fingerprint(KeyGen.pub(ec)),
                KeyGen.fingerprint(KeyGen.pub(rsa))), fromKeygen);
    }

    @Test
    void enrollReadsStdinWithADash() throws Exception {
        Path ed = KeyGen.generate(dir, "ed", "ed25519");
        List<String> cmd = List.of("java", "-cp", System.getProperty("java.class.path"), "loghost.cli.Main",
                "enroll", "--data", server.data().toString(), "web01", "-");
        Run.Result r = Run.run(cmd, KeyGen.pub(ed), null, 60);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("enrolled web01 ssh-ed25519 SHA256:"), r::toString);
    }

    @Test
    void oneKeyCannotServeTwoHosts() throws Exception {
        Path ed = KeyGen.generate(dir, "ed", "ed25519");
        assertEquals(0, server.cli("enroll", "web01", KeyGen.pub(ed).toString()).exit());
        Run.Result r = server.cli("enroll", "web02", KeyGen.pub(ed).toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: key " + KeyGen.fingerprint(KeyGen.pub(ed)) + " is already enrolled for host "
                + "web01; one key may write for one host only\n", r.stderr());
        assertEquals(2, server.cli("keys").stdout().lines().count(), "file unchanged");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc", "Web01", "-web", "web_01", "a/b", "", ".hidden", "_loghost", "web01 ",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void hostNamesThatCannotBeDirectoryNamesAreRefused(String host) throws Exception {
        Path ed = KeyGen.generate(dir, "ed", "ed25519");
        Run.Result r = server.cli("enroll", "--", host, KeyGen.pub(ed).toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: host name \"" + host + "\" not allowed; it must match "
                + "[a-z0-9][a-z0-9.-]{0,62}"), r::toString);
        assertTrue(Files.notExists(server.data().resolve("enrolled_keys"))
                || server.cli("keys").stdout().lines().count() == 1);
    }

    @Test
    void weakKeyTypesAreRefused() throws Exception {
        Path dsa = KeyGen.generate(dir, "dsa", "dsa");
        Run.Result r = server.cli("enroll", "web01", KeyGen.pub(dsa).toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: DSA keys are refused"), r::toString);

        Path rsa1024 = KeyGen.generate(dir, "rsa1024", "rsa", "-b", "1024");
        r = server.cli("enroll", "web01", KeyGen.pub(rsa1024).toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: RSA key of 1024 bits refused; at least 2048 bits are required\n", r.stderr());
    }

    @Test
    void badInputIsRefusedWithAClearMessage() throws Exception {
        Path junk = dir.resolve("junk.pub");
        Files.writeString(junk, "ssh-ed25519 AAAAnotbase64!! x\n");
        Run.Result r = server.cli("enroll", "web01", junk.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: cannot decode ssh-ed25519 public key"), r::toString);

        Path two = dir.resolve("two.pub");
        Path a = KeyGen.generate(dir, "a", "ed25519");
        Path b = KeyGen.generate(dir, "b", "ed25519");
        Files.writeString(two, Files.readString(KeyGen.pub(a)) + Files.readString(KeyGen.pub(b)));
        r = server.cli("enroll", "web01", two.toString());
        assertEquals("loghost: error: expected exactly one public key line in " + two + ", found 2\n", r.stderr());

        r = server.cli("enroll", "--from", "gateway.example.org", "web01", KeyGen.pub(a).toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("host names are not accepted"), r::toString);

        r = server.cli("enroll", "web01", dir.resolve("missing.pub").toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: "), r::toString);
    }

    @Test
    void revokeByHostOrByFingerprint() throws Exception {
        Path a = KeyGen.generate(dir, "a", "ed25519");
        Path b = KeyGen.generate(dir, "b", "ecdsa");
        Path c = KeyGen.generate(dir, "c", "ed25519");
        server.enroll("web01", a);
        server.enroll("web01", b);
        server.enroll("db01", c);
        String fpB = KeyGen.fingerprint(KeyGen.pub(b));
        Run.Result r = server.cli("revoke", fpB);
        assertEquals(0, r.exit(), r::toString);
        assertEquals("revoked web01 ecdsa-sha2-nistp256 " + fpB + "\n", r.stdout());
        r = server.cli("revoke", "db01");
        assertEquals(0, r.exit(), r::toString);
        List<String> left = server.cli("keys").stdout().lines().skip(1).map(l -> l.split("\t")[2]).toList();
        assertEquals(List.of(KeyGen.fingerprint(KeyGen.pub(a))), left);
        r = server.cli("revoke", "nosuch");
        assertEquals(1, r.exit());
        assertEquals("loghost: error: no enrolled key matches nosuch\n", r.stderr());
    }

    @Test
    void handEditedFileWithUnknownOptionIsRejectedWhole() throws Exception {
        Path a = KeyGen.generate(dir, "a", "ed25519");
        Files.writeString(server.data().resolve("enrolled_keys"), "host=\"web01\",command=\"/bin/sh\" "
                + Files.readString(KeyGen.pub(a), StandardCharsets.US_ASCII));
        // Private, as the file must be (a file others could write is refused before it is parsed).
        Files.setPosixFilePermissions(server.data().resolve("enrolled_keys"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Run.Result r = server.cli("keys");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: line 1: unsupported option command (allowed: host, from, enrolled)\n",
                r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0085", "\u009b", "\u202e", "\u2066", "\u200f", "\u2028", "\ufeff"})
    void commentsWithControlOrInvisibleFormattingCharactersAreRefused(String bad) throws Exception {
        Path ed = KeyGen.generate(dir, "ed", "ed25519");
        String[] parts = Files.readString(KeyGen.pub(ed)).strip().split(" ");
        Path pub = dir.resolve("bad.pub");
        Files.writeString(pub, parts[0] + " " + parts[1] + " admin@evil" + bad + "cod.exe\n", StandardCharsets.UTF_8);
        Run.Result r = server.cli("enroll", "web01", pub.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals(String.format("loghost: error: key comment contains U+%04X (a control or invisible formatting "
                + "character); remove it from the key line%n", bad.codePointAt(0)), r.stderr());
        assertTrue(Files.notExists(server.data().resolve("enrolled_keys"))
                || server.cli("keys").stdout().lines().count() == 1, "nothing enrolled");
    }

    @Test
    void keysEscapesWhatAHandEditedFileHasInItsComments() throws Exception {
        Path ed = KeyGen.generate(dir, "ed", "ed25519");
        server.enroll("web01", ed);
        Path file = server.data().resolve("enrolled_keys");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(file, text.replace(" ed@test", " ed@test\u202e\u0085\u2066\\x"), StandardCharsets.UTF_8);
        Run.Result r = server.cli("keys");
        assertEquals(0, r.exit(), r::toString);
        String row = r.stdout().lines().toList().get(1);
        assertEquals("ed@test\\xe2\\x80\\xae\\xc2\\x85\\xe2\\x81\\xa6\\\\x", row.split("\t")[3], row);
        assertTrue(r.stdout().chars().allMatch(c -> c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)), r::toString);
    }

    @Test
    void enrollRefusesAnEnrolledKeysFileThatIsASymbolicLink() throws Exception {
        Path a = KeyGen.generate(dir, "a", "ed25519");
        server.enroll("web01", a);
        Path file = server.data().resolve("enrolled_keys");
        Path elsewhere = dir.resolve("elsewhere_keys");
        Files.move(file, elsewhere);
        Files.createSymbolicLink(file, elsewhere);
        String before = Files.readString(elsewhere);

        Path b = KeyGen.generate(dir, "b", "ed25519");
        Run.Result r = server.cli("enroll", "web02", KeyGen.pub(b).toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals("loghost: error: enrolled keys file " + file + " is a symbolic link; loghost does not follow "
                + "symbolic links in its data directory: put the real file there (or mount a filesystem there)\n",
                r.stderr());
        assertTrue(Files.isSymbolicLink(file), "the link is left for the operator to fix");
        assertEquals(before, Files.readString(elsewhere));
    }
}

package loghost.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import loghost.testing.KeyGen;
import loghost.testing.Run;
import loghost.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 item 5: journal entries vacuumed before they were delivered become a {@code gap} record, and
 * {@code loghost status --gaps} shows it (text, JSON, Nagios WARNING), while a host without one shows none.
 */
class StatusGapsTest {

    private static final String ID = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    private Run.Result push(TestServer server, Path key, byte[] input) throws Exception {
        Path in = Files.createTempFile(dir, "in", ".export");
        Files.write(in, input);
        return server.ssh(key, in, "-T", "log@127.0.0.1", "append-log --journal");
    }

    @Test
    void statusGapsCountsTheJournalsLostEntriesOfTheHostThatLostThem() throws Exception {
        try (TestServer server = new TestServer(dir, "")) {
            Path web = KeyGen.generate(dir, "web01", "ed25519");
            Path db = KeyGen.generate(dir, "db01", "ed25519");
            server.enroll("web01", web);
            server.enroll("db01", db);
            // web01: 1..3, then 4..6 vacuumed before they were read, then 7..8; db01: 1..5 whole.
            ByteArrayOutputStream webEntries = new ByteArrayOutputStream();
            webEntries.writeBytes(JournalPushRig.entries(ID, 1, 3));
            webEntries.writeBytes(JournalPushRig.entries(ID, 7, 8));
            assertEquals(0, push(server, web, webEntries.toByteArray()).exit());
            assertEquals(0, push(server, db, JournalPushRig.entries(ID, 1, 5)).exit());
            String lost = "journal-lost seqnum-id=" + ID + " from=4 to=6 count=3 (not in the journal when read)";

            Run.Result plain = server.cli("status");
            assertEquals(0, plain.exit(), plain::toString);
            assertTrue(!plain.stdout().contains("GAP"), "without --gaps nothing is read for them: " + plain);

            Run.Result text = server.cli("status", "--gaps");
            assertEquals(0, text.exit(), text::toString);
            List<String> lines = text.stdout().lines().toList();
            assertTrue(lines.get(0).endsWith("; 1 gap record in 1 host since "
                    + java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1) + " (UTC)"), lines.get(0));
            int header = lines.indexOf("GAP-HOST\tGAPS\tLAST-GAP\tLAST-GAP-TEXT");
            assertTrue(header > 0, text.stdout());
            String[] row = lines.get(header + 1).split("\t");
            assertEquals("web01", row[0]);
            assertEquals("1", row[1]);
            assertEquals(lost, row[3]);
            assertTrue(header + 2 == lines.size() || !lines.get(header + 2).startsWith("db01"), "db01 lost nothing");

            Run.Result json = server.cli("status", "--gaps", "--json");
            assertEquals(0, json.exit(), json::toString);
            assertTrue(json.stdout().contains("\"name\":\"web01\"") && json.stdout().contains(
                    ",\"gaps\":1,\"last-gap\":\"" + row[2] + "\",\"last-gap-text\":\"" + lost + "\""), json.stdout());
            assertTrue(json.stdout().contains(",\"gaps\":0,\"last-gap\":null,\"last-gap-text\":null"),
                    json.stdout());

            Run.Result nagios = server.cli("status", "--gaps", "--nagios");
            assertEquals(1, nagios.exit(), nagios::toString);
            assertTrue(nagios.stdout().startsWith("LOGHOST WARNING - 2 hosts: 2 ok,"), nagios.stdout());
            assertTrue(nagios.stdout().trim().endsWith(" gaps=1"), nagios.stdout());
            Run.Result nagiosPlain = server.cli("status", "--nagios");
            assertEquals(0, nagiosPlain.exit(), nagiosPlain::toString);
        }
    }
}

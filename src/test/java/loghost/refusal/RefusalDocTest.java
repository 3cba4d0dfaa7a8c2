package loghost.refusal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/PROTOCOL.md's refusal tables, read from the doc's own bytes, agree with {@link Refusal}. */
class RefusalDocTest {

    private static final Pattern CODE = Pattern.compile("`([a-z0-9][a-z0-9-]*)`");
    private static final Pattern REFUSED = Pattern.compile("refused\\s+reason=([a-z0-9][a-z0-9-]*)");
    private static final Pattern EXIT = Pattern.compile("exit (\\d+)");
    private static final Pattern STATUS = Pattern.compile("(\\d+)\\b.*");

    private static String doc;

    @BeforeAll
    static void read() throws Exception {
        doc = Files.readString(Path.of("docs/PROTOCOL.md"), StandardCharsets.UTF_8);
    }

    // The rows of the table whose header row is exactly header, each split into its cells.
    private static List<String[]> table(String header) {
        int at = doc.indexOf("\n" + header + "\n");
        assertTrue(at >= 0, "table missing from docs/PROTOCOL.md: " + header);
        List<String[]> rows = new ArrayList<>();
        String[] lines = doc.substring(at + 1).split("\n");
        for (int i = 2; i < lines.length && lines[i].startsWith("|"); i++) {
            String line = lines[i];
            rows.add(Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1)).map(String::strip)
                    .toArray(String[]::new));
        }
        assertFalse(rows.isEmpty(), header);
        return rows;
    }

    private static List<String> codes(String cell) {
        List<String> found = new ArrayList<>();
        for (Matcher m = CODE.matcher(cell); m.find(); ) {
            found.add(m.group(1));
        }
        return found;
    }

    private static Refusal byCode(String code) {
        return Arrays.stream(Refusal.values()).filter(r -> r.code().equals(code)).findFirst().orElse(null);
    }

    @Test
    void everyReasonCodeInTheDocIsARefusalAndEveryRefusalIsInTheDoc() {
        TreeSet<String> documented = new TreeSet<>();
        for (String[] row : table("| request | answer | reason code |")) {
            documented.addAll(codes(row[row.length - 1]));
        }
        for (Matcher m = REFUSED.matcher(doc); m.find(); ) {
            documented.add(m.group(1));
        }
        TreeSet<String> inCode = Arrays.stream(Refusal.values()).map(Refusal::code)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(inCode, documented);
    }

    @Test
    void theExitStatusOfEveryRefusedCommandInTheDocIsTheRefusals() {
        int rows = 0;
        for (String[] row : table("| request | answer | reason code |")) {
            Matcher exit = EXIT.matcher(row[1]);
            if (exit.lookingAt()) {
                Refusal r = byCode(codes(row[2]).get(0));
                assertNotNull(r, row[2]);
                assertEquals(Integer.parseInt(exit.group(1)), r.exitStatus(), r.code());
                rows++;
            }
        }
        assertEquals(13, rows, "rows with an exit status in the refusal table");
    }

    @Test
    void everyClientLineOfAnAppendLogRefusalIsInTheExitStatusTableWithItsStatus() {
        Map<String, Integer> documented = new TreeMap<>();
        for (String[] row : table("| status | stderr line | meaning |")) {
            List<String> cell = codesOrText(row[1]);
            if (!cell.isEmpty()) {
                documented.put(cell.get(0), Integer.parseInt(row[0]));
            }
        }
        int lines = 0;
        for (Refusal r : Refusal.values()) {
            String template = r.clientLineTemplate();
            if (template == null || template.startsWith("protocol error: ")) {
                continue;
            }
            String line = "loghost: " + template.replace("host %s", "host H").replace("%d", "N")
                    .replace("%s", "DETAIL");
            assertEquals(r.exitStatus(), documented.get(line), r.code() + ": " + line + " in " + documented);
            lines++;
        }
        assertEquals(15, lines);
        long refusedRows = documented.keySet().stream().filter(l -> l.startsWith("loghost: refused:")).count();
        assertEquals(14, refusedRows, "every 'loghost: refused:' line of the table is a refusal's: " + documented);
    }

    @Test
    void everyAcknowledgedModeRefusalHasItsStatusAndErrorTextInTheDoc() {
        int rows = 0;
        for (String[] row : table("| exit status | ERROR text | audit record | cause |")) {
            Matcher code = REFUSED.matcher(row[2]);
            if (!code.find()) {
                continue;
            }
            Refusal r = byCode(code.group(1));
            assertNotNull(r, row[2]);
            Matcher status = STATUS.matcher(row[0]);
            assertTrue(status.matches(), row[0]);
            assertEquals(Integer.parseInt(status.group(1)), r.exitStatus(), r.code());
            if (row[1].equals("—")) {
                assertNull(r.clientLine("x"), r.code());
            } else {
                String text = codesOrText(row[1]).get(0);
                assertEquals("protocol error: ", r.clientLineTemplate().replace("%s", ""), r.code());
                assertTrue(text.startsWith("protocol error: "), text);
            }
            rows++;
        }
        assertEquals(6, rows);
    }

    // The text between the first pair of backticks of a cell, if any.
    private static List<String> codesOrText(String cell) {
        Matcher m = Pattern.compile("`([^`]+)`").matcher(cell);
        return m.find() ? List.of(m.group(1)) : List.of();
    }
}

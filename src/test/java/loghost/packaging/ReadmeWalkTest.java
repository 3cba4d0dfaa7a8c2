package loghost.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The walk PackageReadmeWalkIT runs, read from README.md without installing anything: every shell block of the
 * package sections is in it, run or skipped with a reason, and the hand steps sit where the text asks for them.
 */
class ReadmeWalkTest {

    private static final String SECTIONS = "intro\n\n## Install the package (Debian)\n\n%s\n## Enroll a real host\n\n"
            + "```sh\nssh-keygen\n```\n\n## Forward from a host\n\n```sh\nsystemctl enable --now loghost-forward\n```\n"
            + "\n### Two loghosts\n\n```sh\nnot walked\n```\n";

    @Test
    void everyShellBlockOfThePackageSectionsIsWalkedInOrder() throws Exception {
        String readme = PackageLayoutTest.read(PackageLayoutTest.README);
        int fences = 0;
        for (String section : ReadmeWalk.sections(readme)) {
            Matcher m = Pattern.compile("(?m)^```(sh)?$\\n(?:(?!```).*\\n)*?```$").matcher(section);
            while (m.find()) {
                fences++;
            }
        }
        List<ReadmeWalk.Step> steps = ReadmeWalk.steps(readme);
        List<ReadmeWalk.Block> blocks = steps.stream().filter(s -> s instanceof ReadmeWalk.Block)
                .map(s -> (ReadmeWalk.Block) s).toList();
        assertEquals(fences, blocks.size(), steps::toString);
        assertTrue(blocks.get(0).text().startsWith("dpkg -i loghost_*_all.deb\n"), blocks.get(0)::toString);
        List<String> order = steps.stream().map(s -> s instanceof ReadmeWalk.Block b ? b.first() : s.toString())
                .toList();
        int copyKey = order.indexOf(new ReadmeWalk.Copy("/etc/loghost/id_ed25519.pub", "/tmp/web01.pub").toString());
        int keygen = indexStarting(order, "ssh-keygen ", "install -d -m 755 /etc/loghost");
        int enroll = indexStarting(order, "runuser -u loghost -- loghost enroll ");
        assertTrue(keygen < copyKey && copyKey < enroll, order::toString);
        int edit = order.indexOf(new ReadmeWalk.Edit("/etc/loghost/forward.conf").toString());
        int copyHosts = order.indexOf(new ReadmeWalk.Copy("known_hosts", "/etc/loghost/known_hosts").toString());
        int start = order.indexOf("systemctl enable --now loghost-forward");
        assertTrue(copyHosts >= 0 && edit >= 0 && copyHosts < start && edit < start, order::toString);
        for (ReadmeWalk.Block b : blocks) {
            assertTrue(b.skip() == null || !b.skip().isBlank(), b::toString);
            assertTrue(!b.text().contains(" -f\n") && !b.text().contains(" --follow"),
                    () -> "a block the walk runs must end: " + b);
        }
    }

    private static int indexStarting(List<String> order, String... prefixes) {
        for (int i = 0; i < order.size(); i++) {
            for (String p : prefixes) {
                if (order.get(i).startsWith(p)) {
                    return i;
                }
            }
        }
        return -1;
    }

    @Test
    void readsMarkersBeforeBlocksAndStopsAtTheNextHeading() {
        List<ReadmeWalk.Step> steps = ReadmeWalk.steps(SECTIONS.formatted(
                "<!-- walk: skip, needs a second host -->\n<!-- test: x -->\n```sh\nscp a b:\n```\n\n"
                        + "<!-- walk: copy a /tmp/b -->\n```conf\nnot a command\n```\n"));
        assertEquals(List.of(new ReadmeWalk.Block("## Install the package (Debian)", "scp a b:\n", "needs a second host",
                null), new ReadmeWalk.Copy("a", "/tmp/b"), new ReadmeWalk.Block("## Enroll a real host",
                "ssh-keygen\n", null, null), new ReadmeWalk.Block("## Forward from a host",
                "systemctl enable --now loghost-forward\n", null, null)), steps);
    }

    @Test
    void refusesASkipWithoutAReasonAnUnknownMarkerAndAMarkerAwayFromItsBlock() {
        for (String body : List.of("<!-- walk: skip -->\n```sh\nx\n```\n", "<!-- walk: skip, -->\n```sh\nx\n```\n",
                "<!-- walk: later, soon -->\n```sh\nx\n```\n",
                "<!-- walk: skip, a reason -->\nsome prose\n```sh\nx\n```\n",
                "<!-- walk: skip, a reason -->\n<!-- walk: last, another -->\n```sh\nx\n```\n",
                "<!-- walk: skip, a reason -->\n```conf\nx\n```\n",
                "<!-- walk: last, at the end -->\n")) {
            assertThrows(IllegalArgumentException.class, () -> ReadmeWalk.steps(SECTIONS.formatted(body)), body);
        }
    }
}

package loghost.verify;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import loghost.store.Manifest;
import loghost.verify.VerifyReport.Kind;

/**
 * Listed files that left the host directory on purpose (archived or deleted, as the manifest's marks say): not a
 * finding, a note per destination; and the chain of the first file online after them continues from the last one's
 * manifest entry, its anchor (docs/FORMAT.md, "Archive and retention").
 */
final class OffStore {

    private OffStore() {
    }

    /** True when the manifest marks {@code name} archived (to any destination) or deleted. */
    static boolean gone(Manifest.Contents c, String name) {
        return c != null && c.marks().stream().anyMatch(m -> m.name().equals(name));
    }

    /** One note per destination (and one for deleted files): how many listed files are not online, which days. */
    static void notes(Manifest.Contents c, Map<String, boolean[]> days, String label, VerifyReport report) {
        if (c == null) {
            return;
        }
        TreeMap<String, List<String>> byDest = new TreeMap<>();
        for (Manifest.Entry e : c.entries()) {
            boolean[] d = days.get(e.name().substring(0, 10));
            if (d != null && d[1]) {
                continue; // online: the chain reads it
            }
            for (Manifest.Mark m : c.marks()) {
                if (m.name().equals(e.name())) {
                    byDest.computeIfAbsent(m.to() == null ? "" : m.to(), k -> new java.util.ArrayList<>()).add(e.name());
                }
            }
        }
        for (var d : byDest.entrySet()) {
            List<String> names = d.getValue();
            String files = names.size() + (names.size() == 1 ? " file" : " files");
            String range = names.size() == 1 ? names.get(0) : names.get(0) + " to " + names.get(names.size() - 1);
            report.add(Kind.NOTE, label, 0, d.getKey().isEmpty()
                    ? files + " deleted by retention, not online (" + range + ")"
                    : files + " archived to " + d.getKey() + ", not online (" + range + ")");
        }
    }

    /**
     * If the manifest entry just before {@code day} is a file not online, the chain continues from its end. Only
     * before the first file online: retention removes a host's oldest files, so a file gone from between two online
     * ones is not excused (the chain check then fails where it should go on).
     */
    static void continueChain(Manifest.Contents c, String day, Map<String, boolean[]> days, ChainCheck chain) {
        if (c == null || chain.filesStarted() > 0) {
            return;
        }
        Manifest.Entry before = null;
        for (Manifest.Entry e : c.entries()) {
            if (e.name().substring(0, 10).compareTo(day) < 0) {
                before = e;
            }
        }
        if (before == null) {
            return;
        }
        boolean[] d = days.get(before.name().substring(0, 10));
        if ((d == null || !d[1] && !d[0]) && gone(c, before.name())) {
            chain.continueFrom(before.lastSeq() + 1, HexFormat.of().parseHex(before.end()),
                    before.name().substring(0, 10));
        }
    }
}

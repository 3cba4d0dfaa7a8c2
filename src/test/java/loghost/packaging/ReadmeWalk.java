package loghost.packaging;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's package sections as a walk: every shell block in order, and the hand steps between them that a
 * reader does between two machines, which one machine plays in the test. Markers, HTML comments on their own line:
 * {@code <!-- walk: skip, REASON -->} and {@code <!-- walk: last, REASON -->} before a block (not run; run after
 * the result is checked), {@code <!-- walk: copy FROM TO -->} (a file carried from one machine to the other) and
 * {@code <!-- walk: edit FILE -->} (a file the reader edits: its placeholders get the walk's values). A block with
 * no marker runs; a marker the walk does not know, or a skip without a reason, is an error.
 */
final class ReadmeWalk {

    /** The sections a reader with the .deb follows, in order: loghost, host key and enrolment, forwarder. */
    static final List<String> SECTIONS = List.of("## Install the package", "## Enroll a real host",
            "## Forward from a host");

    /** One thing the walk does. */
    sealed interface Step permits Block, Copy, Edit {
    }

    /** A fenced shell block; {@code skip} or {@code last} with the README's reason, or neither. */
    record Block(String section, String text, String skip, String last) implements Step {
        /** The block's first command, to name it in a message. */
        String first() {
            return text.lines().findFirst().orElse("");
        }
    }

    /** A file the reader carries from one machine to the other. */
    record Copy(String from, String to) implements Step {
    }

    /** A file the reader edits, putting real values where the shipped file has the placeholders. */
    record Edit(String file) implements Step {
    }

    private static final Pattern MARKER = Pattern.compile("<!-- walk: (.*?) -->");
    private static final Pattern WITH_REASON = Pattern.compile("(skip|last), (\\S.*)");
    private static final Pattern COPY = Pattern.compile("copy (\\S+) (\\S+)");
    private static final Pattern EDIT = Pattern.compile("edit (/\\S+)");
    private static final Pattern FENCE = Pattern.compile("```(\\w*)");

    private ReadmeWalk() {
    }

    /** The text of each of {@link #SECTIONS}: from its heading to the next heading of level 2 or 3. */
    static List<String> sections(String readme) {
        List<String> out = new ArrayList<>();
        for (String heading : SECTIONS) {
            int from = readme.indexOf("\n" + heading);
            if (from < 0) {
                throw new IllegalArgumentException("README.md has no section " + heading);
            }
            Matcher next = Pattern.compile("\n###? ").matcher(readme);
            int to = next.find(from + 1) ? next.start() : readme.length();
            out.add(readme.substring(from + 1, to));
        }
        return out;
    }

    /** The steps of the package sections of {@code readme}, in order. */
    static List<Step> steps(String readme) {
        List<Step> steps = new ArrayList<>();
        for (String section : sections(readme)) {
            steps.addAll(steps(section.lines().findFirst().orElseThrow(), section));
        }
        return steps;
    }

    // Code fences alternate open/close; shell blocks are ```sh and bare ```; other languages are shown, not run.
    private static List<Step> steps(String heading, String section) {
        List<Step> steps = new ArrayList<>();
        String skip = null;
        String last = null;
        List<String> lines = section.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher marker = MARKER.matcher(line.strip());
            Matcher fence = FENCE.matcher(line);
            if (marker.matches()) {
                String m = marker.group(1);
                Matcher reason = WITH_REASON.matcher(m);
                Matcher copy = COPY.matcher(m);
                Matcher edit = EDIT.matcher(m);
                if (reason.matches() && skip == null && last == null) {
                    skip = reason.group(1).equals("skip") ? reason.group(2) : null;
                    last = reason.group(1).equals("last") ? reason.group(2) : null;
                } else if (copy.matches()) {
                    steps.add(new Copy(copy.group(1), copy.group(2)));
                } else if (edit.matches()) {
                    steps.add(new Edit(edit.group(1)));
                } else {
                    throw new IllegalArgumentException(heading + ": a walk marker the walk does not know (a skip "
                            + "or last needs a reason, and one block takes one): " + line);
                }
            } else if (fence.matches()) {
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).startsWith("```")) {
                    end++;
                }
                if (end == lines.size()) {
                    throw new IllegalArgumentException(heading + ": a code block that does not end: " + line);
                }
                String lang = fence.group(1);
                if (lang.isEmpty() || lang.equals("sh")) {
                    steps.add(new Block(heading, String.join("\n", lines.subList(i + 1, end)) + "\n", skip, last));
                } else if (skip != null || last != null) {
                    throw new IllegalArgumentException(heading + ": a walk marker on a " + lang + " block: " + line);
                }
                skip = null;
                last = null;
                i = end;
            } else if (!line.isBlank() && !line.strip().startsWith("<!--") && (skip != null || last != null)) {
                throw new IllegalArgumentException(heading + ": a skip or last marker not right before a block: "
                        + line);
            }
        }
        if (skip != null || last != null) {
            throw new IllegalArgumentException(heading + ": a skip or last marker with no block after it");
        }
        return steps;
    }
}

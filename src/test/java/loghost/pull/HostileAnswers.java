package loghost.pull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What a compromised source host answers in place of {@code loghost serve-logs}: whoever owns the host runs their own
 * program as the forced command, so every reply the loghost reads can be anything. A test lists, per command prefix
 * (the start of {@code SSH_ORIGINAL_COMMAND}, e.g. {@code "read "}), the bytes on stdout and stderr and the exit
 * status; {@link SourceHost#answer} installs them on the real sshd, and commands no rule matches go to the real
 * serve-logs (a host honest but for one lie). The first matching rule wins. The answers are a POSIX sh script
 * sourced by the forced command at each request, so they can change between two commands of one connection.
 */
final class HostileAnswers {

    /** The script the forced command sources, relative to the source host's directory. */
    static final String SCRIPT = "hostile.sh";
    private static final String REPLIES = "hostile";
    private static final int ENDLESS_CHUNK = 64 * 1024;

    private enum Shape { ONCE, ENDLESS, STALL }

    private record Rule(String prefix, byte[] out, String err, int exit, Shape shape) {
    }

    private final List<Rule> rules = new ArrayList<>();

    /** Answers a command starting with {@code prefix} with {@code out} on stdout, exit 0. */
    HostileAnswers reply(String prefix, String out) {
        return reply(prefix, out.getBytes(StandardCharsets.UTF_8), "", 0);
    }

    /** Answers a command starting with {@code prefix} with these bytes on stdout, this stderr and exit status. */
    HostileAnswers reply(String prefix, byte[] out, String err, int exit) {
        rules.add(new Rule(prefix, out.clone(), err, exit, Shape.ONCE));
        return this;
    }

    /** Answers a command starting with {@code prefix} with {@code chunk} repeated until the loghost closes. */
    HostileAnswers endless(String prefix, byte[] chunk) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (b.size() < ENDLESS_CHUNK) { // one cat per 64 KiB, not per chunk: the flood must be a real one
            b.writeBytes(chunk);
        }
        rules.add(new Rule(prefix, b.toByteArray(), "", 0, Shape.ENDLESS));
        return this;
    }

    /** Answers a command starting with {@code prefix} with {@code first}, then sends nothing and never exits. */
    HostileAnswers stall(String prefix, byte[] first) {
        rules.add(new Rule(prefix, first.clone(), "", 0, Shape.STALL));
        return this;
    }

    /** The {@code sha256} reply for {@code content}: its SHA-256 and its size, as serve-logs writes them. */
    static String sha256Line(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)) + " "
                    + content.length + "\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    // Writes the replies beside the script, then the script itself by a rename: a request never sees half of it.
    void install(Path hostDir) throws IOException {
        Path replies = Files.createDirectories(hostDir.resolve(REPLIES));
        StringBuilder sh = new StringBuilder("case \"$SSH_ORIGINAL_COMMAND\" in\n");
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            Path out = Files.write(replies.resolve(i + ".out"), r.out());
            String cat = "cat " + quote(out.toString());
            sh.append("  ").append(quote(r.prefix())).append("*)\n");
            if (!r.err().isEmpty()) {
                Path err = Files.writeString(replies.resolve(i + ".err"), r.err());
                sh.append("    cat ").append(quote(err.toString())).append(" >&2\n");
            }
            switch (r.shape()) {
                case ONCE -> sh.append("    ").append(cat).append('\n');
                // cat fails once the loghost closes the channel (EPIPE), which ends the flood.
                case ENDLESS -> sh.append("    while ").append(cat).append("; do :; done\n");
                // Waits for stdin's end: the loghost closing the channel, never data.
                case STALL -> sh.append("    ").append(cat).append("\n    cat > /dev/null\n");
                default -> throw new IllegalStateException(r.shape().toString());
            }
            sh.append("    exit ").append(r.exit()).append(";;\n");
        }
        sh.append("esac\n");
        Path tmp = Files.writeString(hostDir.resolve(SCRIPT + ".new"), sh.toString());
        Files.move(tmp, hostDir.resolve(SCRIPT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}

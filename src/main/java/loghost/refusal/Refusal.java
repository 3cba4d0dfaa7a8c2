package loghost.refusal;

import java.util.Locale;

/**
 * Every refusal the loghost reports, by its reason code (the {@code reason=} of the {@code refused} log line and
 * audit record, and the label of {@code loghost_refusals_total}), with, for a refusal that ends a command, the
 * exit status and the one line the client reads on stderr after {@code loghost: }. docs/PROTOCOL.md lists them
 * ("Everything else is refused", "Exit status"); {@code RefusalDocTest} holds the two together.
 */
public enum Refusal {

    // Connections and key exchange.
    TOO_MANY_CONNECTIONS_FROM_SOURCE("too-many-connections-from-source"),
    TOO_MANY_UNAUTHENTICATED("too-many-unauthenticated"),
    TOO_MANY_CONNECTIONS_FOR_HOST("too-many-connections-for-host"),
    TOO_MANY_KEY_EXCHANGES("too-many-key-exchanges"),
    KEX_FAILED("kex-failed"),

    // Authentication.
    NO_MATCHING_KEY("no-matching-key"),
    KEY_PROBE("key-probe"),
    CERTIFICATE_REFUSED("certificate-refused"),
    TOO_MANY_AUTH_REQUESTS("too-many-auth-requests"),
    KEYS_CROSS_HOSTS("keys-cross-hosts"),
    // These three also end a command whose key was withdrawn after its connection authenticated.
    REVOKED_KEY("revoked-key", ExitStatus.NO_PERMISSION, "refused: this key is no longer enrolled for host %s"),
    SOURCE_NOT_ALLOWED("source-not-allowed", ExitStatus.NO_PERMISSION,
            "refused: this key is no longer allowed from this address"),
    KEYS_UNAVAILABLE("keys-unavailable", ExitStatus.TEMP_FAIL,
            "refused: the enrolled keys cannot be read; try again later"),
    REVOKED_SESSION_CLOSED("revoked-session-closed"),
    KEYS_UNAVAILABLE_SESSION_CLOSED("keys-unavailable-session-closed"),

    // Channels, requests and commands.
    CHANNEL_REFUSED("channel-refused"),
    TOO_MANY_CHANNELS("too-many-channels"),
    GLOBAL_REQUEST_REFUSED("global-request-refused"),
    CHANNEL_REQUEST_REFUSED("channel-request-refused"),
    PTY_REFUSED("pty-refused"),
    SUBSYSTEM_REFUSED("subsystem-refused"),
    SIGNAL_REFUSED("signal-refused"),
    SECOND_COMMAND_REFUSED("second-command-refused"),
    DATA_BEFORE_COMMAND("data-before-command"),
    EXTENDED_DATA_REFUSED("extended-data-refused"),
    AGENT_FORWARDING_REFUSED("agent-forwarding-refused"),
    X11_FORWARDING_REFUSED("x11-forwarding-refused"),
    REMOTE_FORWARDING_REFUSED("remote-forwarding-refused"),
    LOCAL_FORWARDING_REFUSED("local-forwarding-refused"),
    COMMAND_REFUSED("command-refused", ExitStatus.NO_PERMISSION, "refused: the only command here is append-log"),
    SHELL_REFUSED("shell-refused", ExitStatus.NO_PERMISSION,
            "refused: no shell here; the only command is append-log"),
    NO_IDENTITY("no-identity", ExitStatus.SOFTWARE, "internal error"),
    TOO_MANY_SESSIONS("too-many-sessions", ExitStatus.TEMP_FAIL, "refused: host %s already has %d open sessions"),

    // Acknowledged mode (the line is also the ERROR frame's text).
    PROTOCOL_ERROR("protocol-error", ExitStatus.DATA_ERROR, "protocol error: %s"),
    CSEQ_SKIP("cseq-skip", ExitStatus.DATA_ERROR, "protocol error: %s"),
    TOO_MANY_STREAMS("too-many-streams", ExitStatus.DATA_ERROR, "protocol error: %s"),
    RESERVED_STREAM("reserved-stream", ExitStatus.DATA_ERROR, "protocol error: %s"),
    BAD_EVENT_TIME("bad-event-time", ExitStatus.DATA_ERROR, "protocol error: %s"),
    // The client does not read: it is told nothing more, the channel is closed at once.
    OUTPUT_NOT_READ("output-not-read", ExitStatus.DATA_ERROR, null),

    // append-log --journal and --journal-position (stock journalctl and ssh on the host).
    JOURNAL_ID_MALFORMED("journal-id-malformed", ExitStatus.USAGE,
            "refused: --journal-position takes one journal seqnum id, 32 lowercase hex digits"),
    JOURNAL_MALFORMED("journal-malformed", ExitStatus.DATA_ERROR, "refused: malformed journal input: %s"),
    JOURNAL_TOO_MANY_IDS("journal-too-many-ids", ExitStatus.DATA_ERROR,
            "refused: too many journal seqnum ids: %s"),
    JOURNAL_POSITION_RATE("journal-position-rate", ExitStatus.TEMP_FAIL,
            "refused: host %s asks for its journal position too often; try again later"),

    // append-log --file and --file-position (a followed file pushed with ssh and coreutils).
    FILE_ARGS_MALFORMED("file-args-malformed", ExitStatus.USAGE,
            "refused: --file takes a NAME, --file-position a NAME and 1 to 4 identities DEV INO FP"),
    FILE_MALFORMED("file-malformed", ExitStatus.DATA_ERROR, "refused: malformed file input: %s"),
    FILE_OFFSET_AHEAD("file-offset-ahead", ExitStatus.DATA_ERROR, "refused: file offset %s"),
    FILE_TOO_MANY_STREAMS("file-too-many-streams", ExitStatus.DATA_ERROR, "refused: too many file streams: %s"),

    // Pull mode: a source answering outside the protocol, or presenting another host key.
    PULL_HOST_KEY_MISMATCH("pull-host-key-mismatch"),
    PULL_REPLY_MALFORMED("pull-reply-malformed"),
    PULL_FILE_TOO_LARGE("pull-file-too-large"),
    PULL_READ_TOO_LONG("pull-read-too-long");

    private static final int NO_EXIT = -1;

    private final String code;
    private final int exitStatus;
    private final String clientLine;

    Refusal(String code) {
        this(code, NO_EXIT, null);
    }

    Refusal(String code, int exitStatus, String clientLine) {
        this.code = code;
        this.exitStatus = exitStatus;
        this.clientLine = clientLine;
    }

    /** The reason code, as logged, audited and counted. */
    public String code() {
        return code;
    }

    /** Whether this refusal ends a command (with {@link #exitStatus}) rather than failing a request or a login. */
    public boolean endsCommand() {
        return exitStatus != NO_EXIT;
    }

    /** The exit status of a command this refusal ends. */
    public int exitStatus() {
        if (!endsCommand()) {
            throw new IllegalStateException(code + " does not end a command");
        }
        return exitStatus;
    }

    /** The client's stderr line (after {@code loghost: }) with its blanks filled from {@code args}; null if none. */
    public String clientLine(Object... args) {
        return clientLine == null ? null : String.format(Locale.ROOT, clientLine, args);
    }

    /** The client line's template: {@code %s} and {@code %d} where the line names a host, a count or a message. */
    public String clientLineTemplate() {
        return clientLine;
    }

    /** The start of every refusal's log line and audit record: {@code refused reason=CODE}. */
    public String logPrefix() {
        return "refused reason=" + code;
    }
}

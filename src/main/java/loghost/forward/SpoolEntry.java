package loghost.forward;

/**
 * One spooled item: what to send (a frame kind and its bytes), the client sequence number it got, when it was
 * read, and for file sources where in the source the next line starts (so a restart neither loses nor repeats).
 */
record SpoolEntry(byte kind, long cseq, long timeMillis, String source, long sourceOffset, byte[] data) {
}

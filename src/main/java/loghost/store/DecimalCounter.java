package loghost.store;

/**
 * Writes consecutive sequence numbers as decimal text by incrementing the previous text in place, instead of
 * dividing by ten for every digit of every record.
 */
final class DecimalCounter {

    private final byte[] digits = new byte[20];
    private int length;
    private long value = -1;

    /** Writes {@code v} at {@code b[p]}; returns the position after it. Fast when {@code v} is the last value + 1. */
    int next(long v, byte[] b, int p) {
        if (v == value + 1 && length > 0) {
            int i = length - 1;
            while (i >= 0 && digits[i] == '9') {
                digits[i--] = '0';
            }
            if (i < 0) {
                System.arraycopy(digits, 0, digits, 1, length);
                digits[0] = '1';
                length++;
            } else {
                digits[i]++;
            }
        } else {
            byte[] text = Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(text, 0, digits, 0, text.length);
            length = text.length;
        }
        value = v;
        System.arraycopy(digits, 0, b, p, length);
        return p + length;
    }
}

package loghost.seal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/** A checkpoint whose end is before its start, as a loghost older than the clamp wrote after its clock stepped back. */
public final class BackwardCheckpoint {

    private BackwardCheckpoint() {
    }

    /** Appends to {@code data}'s seal chain a checkpoint of the open epoch ending at {@code end}, signed with its key. */
    public static void append(Path data, String end) throws IOException {
        CheckpointFiles files = new CheckpointFiles(data.resolve("seal"));
        SealBlock last = files.lastBlockRepairingTail();
        EpochKeyFile.Stored open = EpochKeyFile.read(data.resolve("seal/" + EpochKeyFile.NAME));
        try (SigningKey next = SigningKey.generate(new SecureRandom())) {
            files.append(SealBlock.checkpoint(last.epoch() + 1, last.end(), end, last.digestHex(), next.publicKey(),
                    List.of(), open.key()));
        }
    }
}

package loghost.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import loghost.testing.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tarball's launcher runs from wherever it is unpacked; a jar copied without its lib/ says what it needs. */
class TarballIT {

    @TempDir
    Path dir;

    @Test
    void unpackedTarballRunsFromItsOwnBinDirectory() throws Exception {
        Path tarball = Path.of("target/loghost-dist.tar.gz");
        assertTrue(Files.exists(tarball), "the package phase builds " + tarball);
        assertEquals(0, Run.run("tar", "xzf", tarball.toString(), "-C", dir.toString()).exit());
        Path launcher = dir.resolve("loghost/bin/loghost");
        assertTrue(Files.isExecutable(launcher));
        Run.Result version = Run.run(launcher.toString(), "--version");
        assertEquals(0, version.exit(), version::toString);
        assertEquals("loghost 0.1.0\n", version.stdout());
        // An existing (empty) data directory: keys refuses one that does not exist (StatusCommandTest).
        Path data = Files.createDirectory(dir.resolve("data"), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Run.Result keys = Run.run(launcher.toString(), "keys", "--data", data.toString());
        assertEquals(0, keys.exit(), keys::toString);
        assertTrue(keys.stdout().startsWith("HOST\tTYPE\tFINGERPRINT"), keys::toString);
    }

    @Test
    void jarCopiedAloneSaysItNeedsItsLibDirectory() throws Exception {
        Path alone = dir.resolve("loghost.jar");
        Files.copy(Path.of("target/loghost.jar"), alone);
        Run.Result r = Run.run(List.of("java", "-jar", alone.toString(), "verify"), null, null, 60);
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith("loghost: error: loghost.jar needs its lib/ directory beside it (missing "
                + "picocli.CommandLine)"), r::toString);
    }
}

package loghost.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import loghost.config.Settings;
import loghost.store.Manifest;
import loghost.testing.Cli;
import loghost.testing.ManualClock;
import loghost.testing.Run;
import loghost.testing.S3Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Archive to an S3 bucket served by a real s3rver process on 127.0.0.1. */
class S3ArchiveTest {

    @TempDir
    Path dir;

    S3Server server;
    Path data;

    @BeforeEach
    void start() throws Exception {
        server = S3Server.start(dir.resolve("s3"), "logs");
        data = ArchiveTest.store(dir);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) { // null when the test was skipped: s3rver is not installed
            server.close();
        }
    }

    private Settings.Housekeeping toS3(String bucket, String access, String secret, String endpoint) {
        return new Settings.Housekeeping(true, Duration.ofMinutes(5), Duration.ofDays(1), Duration.ZERO,
                List.of(new Settings.ArchiveDestination("offsite", null, new Settings.S3(bucket, "loghost/", endpoint,
                        "us-east-1", access, secret, 30))));
    }

    private S3Client client() {
        return S3Client.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .endpointOverride(URI.create(server.endpoint())).forcePathStyle(true)
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
                        .chunkedEncodingEnabled(false).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("S3RVER", "S3RVER")))
                .build();
    }

    private Path config(String bucket) throws Exception {
        // Credentials in the file: a file others cannot read (S3CredentialsFileTest).
        Path conf = Files.writeString(dir.resolve("loghost.conf"), "loghost.archive.destinations = [{ name = offsite,"
                + " s3 { bucket = " + bucket + ", prefix = loghost, endpoint = \"" + server.endpoint() + "\","
                + " access-key = S3RVER, secret-key = S3RVER } }]\n");
        Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return conf;
    }

    // loghost archive SUB --data DATA ARGS...
    private Run.Result archive(String sub, String... args) {
        List<String> a = new ArrayList<>(List.of("archive", sub, "--data", data.toString()));
        a.addAll(List.of(args));
        return loghost.testing.Cli.main(a.toArray(String[]::new));
    }

    @Test
    void oldDaysGoToTheBucketCheckedAndVerifyArchiveVerifyAndRestoreAgree() throws Exception {
        List<String> audited = new ArrayList<>();
        ArchiveTest.pass(data, toS3("logs", "S3RVER", "S3RVER", server.endpoint()), audited::add,
                new ManualClock("2026-11-24T12:00:00Z"));

        assertEquals(new TreeSet<>(List.of("2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                ArchiveTest.names(data.resolve("hosts/web01")), audited::toString);
        assertTrue(audited.contains("archived host=web01 file=2026-11-22.log.gz to=offsite"), audited::toString);
        try (S3Client s3 = client()) {
            List<String> keys = s3.listObjectsV2(b -> b.bucket("logs").prefix("loghost/hosts/web01/")).contents()
                    .stream().map(o -> o.key()).sorted().toList();
            assertEquals(List.of("loghost/hosts/web01/2026-11-22.log.gz", "loghost/hosts/web01/MANIFEST"), keys);
            Manifest.Entry e = Manifest.read(data.resolve("hosts/web01/MANIFEST"), "web01").entries().get(0);
            Path got = dir.resolve("got.gz");
            s3.getObject(b -> b.bucket("logs").key("loghost/hosts/web01/2026-11-22.log.gz"), got);
            assertEquals(e.size(), Files.size(got));
            assertEquals(e.sha256(), DirectoryTarget.sha256Hex(got));
            assertEquals(Files.readString(data.resolve("hosts/web01/MANIFEST")), s3.getObjectAsBytes(
                    b -> b.bucket("logs").key("loghost/hosts/web01/MANIFEST")).asUtf8String());
        }
        Run.Result v = Cli.run(data, "verify");
        assertTrue(v.stdout().contains("verify: note: hosts/web01: 1 file archived to offsite, not online "
                + "(2026-11-22.log.gz)\n"), v::toString);
        assertEquals(0, v.exit(), v::toString);

        Path conf = config("logs");
        Run.Result av = archive("verify", "--config", conf.toString());
        assertEquals("verify: offsite: OK: 2 hosts, 2 files, 100 records\n", av.stdout(), av::toString);
        Run.Result restored = archive("restore", "--config", conf.toString(), "--host", "web01",
                "--day", "2026-11-22", "--to", dir.resolve("back").toString());
        assertEquals(0, restored.exit(), restored::toString);
        assertTrue(Files.readString(dir.resolve("back/hosts/web01/2026-11-22.log")).contains("web01 2026-11-22 line 50\n"));

        // Tampering with an object in the bucket: archive verify and verify --archives find it.
        try (S3Client s3 = client()) {
            byte[] other = s3.getObjectAsBytes(b -> b.bucket("logs").key("loghost/hosts/db01/2026-11-22.log.gz"))
                    .asByteArray();
            s3.putObject(b -> b.bucket("logs").key("loghost/hosts/web01/2026-11-22.log.gz"), RequestBody.fromBytes(other));
        }
        Run.Result bad = archive("verify", "--config", conf.toString());
        assertEquals(1, bad.exit(), bad::toString);
        assertTrue(bad.stdout().contains("verify: FAIL: offsite:hosts/web01/2026-11-22.log.gz:1: header names host db01, "
                + "directory is web01\n"), bad::toString);
        assertEquals(1, Cli.run(data, "verify", "--archives", "--config", conf.toString()).exit());
    }

    @Test
    void wrongCredentialsNoSuchBucketOrAServerDownKeepTheOnlineCopyAndShowInStatusAndTheAuditTrail()
            throws Exception {
        List<String[]> cases = List.of(
                new String[] {"logs", "WRONG", "WRONG", server.endpoint(), "InvalidAccessKeyId (HTTP 403)"},
                new String[] {"nobucket", "S3RVER", "S3RVER", server.endpoint(), "NoSuchBucket (HTTP 404)"},
                new String[] {"logs", "S3RVER", "S3RVER", "http://127.0.0.1:9", "Unable to execute HTTP request"});
        for (String[] c : cases) {
            List<String> audited = new ArrayList<>();
            Files.deleteIfExists(data.resolve("archive.state"));
            ArchiveTest.pass(data, toS3(c[0], c[1], c[2], c[3]), audited::add, new ManualClock("2026-11-26T00:00:00Z"));
            assertEquals(new TreeSet<>(List.of("2026-11-22.log.gz", "2026-11-23.log.gz", "2026-11-24.log", "MANIFEST")),
                    ArchiveTest.names(data.resolve("hosts/web01")), c[4]);
            assertEquals(1, audited.size(), audited::toString);
            assertTrue(audited.get(0).startsWith("archive-failed dest=offsite host=db01 reason=\"archive offsite: bucket "
                    + c[0] + ": " + c[4]), audited::toString);
            assertTrue(!audited.get(0).contains("S3RVER") && !audited.get(0).contains("WRONG"), "no credentials");
            String status = Cli.run(data, "status").stdout();
            assertTrue(status.contains("archive offsite: 0 files archived; FAILING since 2026-11-26T00:00:00Z"), status);
        }
        assertEquals("verify: OK: 2 hosts, 6 files, 300 records\n", Cli.run(data, "verify").stdout());
    }
}

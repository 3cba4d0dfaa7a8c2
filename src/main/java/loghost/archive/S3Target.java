package loghost.archive;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import loghost.config.Settings;
import loghost.store.Manifest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * An S3-compatible bucket as an archive destination: objects {@code PREFIX/hosts/HOST/DAY.log.gz} and
 * {@code PREFIX/hosts/HOST/MANIFEST}, the directory layout as keys. A day is uploaded, then downloaded again and its
 * size and SHA-256 compared with the manifest entry; with {@code object-lock-days} set, it is uploaded with Object
 * Lock retention in COMPLIANCE mode until that many days from now (the bucket must have Object Lock enabled), so
 * that nobody, the loghost's root included, can delete or overwrite it before then. Credentials come from the config
 * or the SDK's default chain and are never logged.
 */
public final class S3Target implements ArchiveTarget {

    private static final int CHUNK = 1 << 16;

    private final String name;
    private final Settings.S3 s3;
    private final S3Client client;
    private final Clock clock;

    /** The destination {@code name} for the bucket {@code s3}. */
    public S3Target(String name, Settings.S3 s3, Clock clock) {
        this.name = name;
        this.s3 = s3;
        this.clock = clock;
        S3ClientBuilder b = S3Client.builder().httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(s3.region()))
                // What the bucket must hold is checked by downloading it again (SHA-256 against the manifest):
                // the SDK's own optional CRCs add nothing to that, and S3-compatible servers differ in them.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // Plain signed bodies: some S3-compatible servers (s3rver) store aws-chunked framing as data.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .credentialsProvider(s3.accessKey().isEmpty() ? DefaultCredentialsProvider.builder().build()
                        : StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())));
        if (!s3.endpoint().isEmpty()) {
            b.endpointOverride(URI.create(s3.endpoint())).forcePathStyle(true);
        }
        this.client = b.build();
    }

    @Override
    public String name() {
        return name;
    }

    private String key(String host, String fileName) {
        return s3.prefix() + "hosts/" + host + "/" + fileName;
    }

    @Override
    public void put(String host, Path source, Manifest.Entry entry) throws IOException {
        String key = key(host, entry.name());
        try {
            String[] there = sizeAndSha256(key);
            if (there != null) {
                if (!matches(there, entry)) {
                    throw new IOException("archive " + name + " already holds a different " + key
                            + "; nothing overwritten (run loghost archive verify)");
                }
                return;
            }
            PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(s3.bucket()).key(key)
                    .contentLength(Files.size(source));
            if (s3.objectLockDays() > 0) {
                req.objectLockMode(ObjectLockMode.COMPLIANCE)
                        .objectLockRetainUntilDate(clock.instant().plus(Duration.ofDays(s3.objectLockDays())));
            }
            client.putObject(req.build(), RequestBody.fromFile(source));
            String[] read = sizeAndSha256(key);
            if (read == null || !matches(read, entry)) {
                throw new IOException("archive " + name + ": " + key + " read back does not match its MANIFEST entry; "
                        + "the online copy is kept");
            }
        } catch (SdkException e) {
            throw failure(e);
        }
    }

    @Override
    public void putManifest(String host, Path manifest) throws IOException {
        try {
            client.putObject(PutObjectRequest.builder().bucket(s3.bucket()).key(key(host, Manifest.NAME)).build(),
                    RequestBody.fromFile(manifest));
        } catch (SdkException e) {
            throw failure(e);
        }
    }

    @Override
    public List<String> hosts() throws IOException {
        List<String> hosts = new ArrayList<>();
        try {
            String token = null;
            do {
                ListObjectsV2Response r = client.listObjectsV2(ListObjectsV2Request.builder().bucket(s3.bucket())
                        .prefix(s3.prefix() + "hosts/").delimiter("/").continuationToken(token).build());
                for (CommonPrefix p : r.commonPrefixes()) {
                    String rest = p.prefix().substring((s3.prefix() + "hosts/").length());
                    hosts.add(rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest);
                }
                token = r.isTruncated() ? r.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw failure(e);
        }
        hosts.sort(null);
        return hosts;
    }

    @Override
    public Path fetch(String host, String fileName, Path scratch) throws IOException {
        Path to = scratch.resolve(fileName);
        try (InputStream in = client.getObject(b -> b.bucket(s3.bucket()).key(key(host, fileName)))) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (NoSuchKeyException e) {
            return null;
        } catch (SdkException e) {
            throw failure(e);
        }
    }

    // Downloads the object (streaming) and returns its size and SHA-256, or null when there is none.
    private String[] sizeAndSha256(String key) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long size = 0;
        try (InputStream in = client.getObject(b -> b.bucket(s3.bucket()).key(key))) {
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                size += n;
            }
        } catch (NoSuchKeyException e) {
            return null;
        }
        return new String[] {Long.toString(size), HexFormat.of().formatHex(md.digest())};
    }

    private static boolean matches(String[] sizeAndSha, Manifest.Entry e) {
        return Long.parseLong(sizeAndSha[0]) == e.size() && sizeAndSha[1].equals(e.sha256());
    }

    // The SDK's message names the service's error code (AccessDenied, NoSuchBucket, ...), never the credentials.
    private IOException failure(SdkException e) {
        String what = e instanceof S3Exception s && s.awsErrorDetails() != null
                ? s.awsErrorDetails().errorCode() + " (HTTP " + s.statusCode() + ")" : e.getMessage();
        return new IOException("archive " + name + ": bucket " + s3.bucket() + ": " + what, e);
    }
}

package loghost.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus scrape endpoint ({@code GET /metrics}, text format), on its own address. Plain HTTP without
 * authentication: meant for loopback or a management network, since the metrics name every enrolled host.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final HTTPServer server;
    private final InetSocketAddress address;

    private MetricsEndpoint(HTTPServer server, InetSocketAddress address) {
        this.server = server;
        this.address = address;
    }

    /** Serves {@code metrics} on {@code listen}; warns when that is not a loopback address. */
    public static MetricsEndpoint start(InetSocketAddress listen, ServerMetrics metrics) throws IOException {
        String where = listen.getHostString() + ":" + listen.getPort();
        if (listen.isUnresolved()) {
            throw new IOException("cannot serve metrics on " + where + ": unknown host");
        }
        if (!listen.getAddress().isLoopbackAddress()) {
            LOG.warn("metrics-not-loopback listen={}: anyone who can reach it sees every host name and its traffic;"
                    + " prefer 127.0.0.1 or a firewalled management address", where);
        }
        HTTPServer server;
        try {
            server = HTTPServer.builder().inetAddress(listen.getAddress()).port(listen.getPort())
                    .registry(metrics.registry()).buildAndStart();
        } catch (IOException e) {
            // "Address already in use" alone does not say which address.
            throw new IOException("cannot serve metrics on " + where + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = new InetSocketAddress(listen.getAddress(), server.getPort());
        LOG.info("metrics-listening url=http://{}/metrics", hostPort(bound));
        return new MetricsEndpoint(server, bound);
    }

    /** The address served, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /** The scrape URL, for the operator. */
    public String url() {
        return "http://" + hostPort(address) + "/metrics";
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Stops serving. */
    @Override
    public void close() {
        server.close();
    }
}
